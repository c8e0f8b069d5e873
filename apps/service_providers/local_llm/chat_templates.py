"""Chat templates (Jinja, rendered by llama.cpp) for the local Gemma 3 model, and which one to use.

Two formats, chosen per GGUF:

* ``gemma``: Gemma 3's own turn format (``<start_of_turn>user … <end_of_turn>``, the model turn named
  ``model``); Gemma has no system role, so system text is folded into the first user turn. Right for
  the instruction-tuned ``gemma-3-*-it`` checkpoints, whose GGUF carries a chat template.
* ``transcript``: a plain ``User:`` / ``Assistant:`` transcript. The bundled GGUF is the *pre-trained*
  ``google/gemma-3-270m``, whose turn tokens were never trained: with the Gemma format it echoes the
  question and emits junk where ``<end_of_turn>`` belongs, while as a transcript it answers
  ("Paris is the capital of France."). Turns end at the stop strings in ``TRANSCRIPT_STOPS``.

Both render ``tools`` and earlier tool calls as ``<tool_call>{"name": …, "arguments": …}</tool_call>``,
a JSON-in-tags form llama.cpp's template analyser recognises, so it parses such replies into OpenAI
``tool_calls`` and constrains them by grammar.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

# Shared pieces: tool list, one tool call, system text gathered from every system message.
_TOOLS_PREAMBLE = """\
{%- set ns = namespace(system="", tools="") -%}
{%- for message in messages if message.role == "system" -%}
  {%- set ns.system = ns.system + (message.content if message.content is string else \
(message.content | map(attribute="text") | join("\\n"))) + "\\n\\n" -%}
{%- endfor -%}
{%- if tools -%}
  {%- set ns.tools = "You can call these functions:\\n" -%}
  {%- for tool in tools -%}
    {%- set ns.tools = ns.tools + ((tool.function if tool.function is defined else tool) | tojson) + "\\n" -%}
  {%- endfor -%}
  {%- set ns.tools = ns.tools + "To call one, reply with only <tool_call>{\\"name\\": \\"<function name>\\", \
\\"arguments\\": {<arguments as JSON>}}</tool_call>\\n\\n" -%}
{%- endif -%}
{%- macro text(content) -%}
  {%- if content is string -%}{{ content | trim }}\
{%- elif content -%}{{ content | selectattr("type", "equalto", "text") | map(attribute="text") | join("\\n") | trim }}\
{%- endif -%}
{%- endmacro -%}
{%- macro tool_calls(message) -%}
  {%- for call in message.tool_calls -%}
    {%- set call = call.function if call.function is defined else call -%}
    {{- "<tool_call>{\\"name\\": \\"" + call.name + "\\", \\"arguments\\": " -}}
    {{- (call.arguments if call.arguments is string else (call.arguments | tojson)) + "}</tool_call>" -}}
  {%- endfor -%}
{%- endmacro -%}
"""

GEMMA3_TEMPLATE = (
    _TOOLS_PREAMBLE
    + """\
{{- bos_token -}}
{%- set ns.prefix = ns.tools + ns.system -%}
{%- for message in messages if message.role != "system" -%}
  {%- if message.role == "assistant" -%}
    {{- "<start_of_turn>model\\n" + text(message.content) -}}
    {%- if message.tool_calls -%}{%- if message.content -%}{{- "\\n" -}}{%- endif -%}{{- tool_calls(message) -}}\
{%- endif -%}
    {{- "<end_of_turn>\\n" -}}
  {%- else -%}
    {{- "<start_of_turn>user\\n" + ns.prefix -}}
    {%- set ns.prefix = "" -%}
    {%- if message.role == "tool" -%}{{- "<tool_response>" + text(message.content) + "</tool_response>" -}}\
{%- else -%}{{- text(message.content) -}}{%- endif -%}
    {{- "<end_of_turn>\\n" -}}
  {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- "<start_of_turn>model\\n" -}}{%- endif -%}
"""
)

TRANSCRIPT_TEMPLATE = (
    _TOOLS_PREAMBLE
    + """\
{#- No worked example exchange: the model copies its topic into every answer ("Hi" → oceans). -#}
{{- "A conversation between a user and a helpful, knowledgeable assistant.\\n\\n" + ns.system + ns.tools -}}
{%- for message in messages if message.role != "system" -%}
  {%- if message.role == "assistant" -%}
    {{- "Assistant: " + text(message.content) -}}
    {%- if message.tool_calls -%}{%- if message.content -%}{{- " " -}}{%- endif -%}{{- tool_calls(message) -}}\
{%- endif -%}
    {{- "\\n" -}}
  {%- elif message.role == "tool" -%}
    {{- "Tool result: " + text(message.content) + "\\n" -}}
  {%- else -%}
    {{- "User: " + text(message.content) + "\\n" -}}
  {%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- "Assistant:" -}}{%- endif -%}
"""
)

# Where a transcript turn ends; the server applies them to every request that sends no `stop` of its own.
# A blank line ends a turn too: past one, the pre-trained model drifts off topic.
TRANSCRIPT_STOPS = ["\nUser:", "\nTool result:", "\nAssistant:", "\n\n"]

TEMPLATES = {"gemma": GEMMA3_TEMPLATE, "transcript": TRANSCRIPT_TEMPLATE}


def resolve_chat_template(choice: str, model_file: Path) -> tuple[str, list[str]]:
    """Return (Jinja template, default stop strings) for a LOCAL_LLM_CHAT_TEMPLATE value.

    ``auto`` picks ``gemma`` when the GGUF embeds a chat template (an instruction-tuned export) and
    ``transcript`` otherwise; any other value not in TEMPLATES is read as a path to a Jinja file.
    """
    if choice == "auto":
        choice = "gemma" if gguf_has_chat_template(model_file) else "transcript"
    if choice == "gemma":
        return GEMMA3_TEMPLATE, []
    if choice == "transcript":
        return TRANSCRIPT_TEMPLATE, list(TRANSCRIPT_STOPS)
    return Path(choice).read_text(encoding="utf-8"), []


# GGUF value types (see the GGUF spec): fixed sizes of the scalar ones; 8 is a string, 9 an array.
_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9


def gguf_has_chat_template(path: Path) -> bool:
    """True if the GGUF's metadata has ``tokenizer.chat_template``; reads only the header."""
    with path.open("rb") as f:
        if f.read(4) != b"GGUF":
            return False
        _version, _tensor_count, kv_count = struct.unpack("<IQQ", f.read(20))
        for _ in range(kv_count):
            key = _read_string(f)
            if key == "tokenizer.chat_template":
                return True
            (value_type,) = struct.unpack("<I", f.read(4))
            _skip_value(f, value_type)
    return False


def _read_string(f: BinaryIO) -> str:
    (length,) = struct.unpack("<Q", f.read(8))
    return f.read(length).decode("utf-8", "replace")


def _skip_value(f: BinaryIO, value_type: int) -> None:
    if value_type == _STRING:
        (length,) = struct.unpack("<Q", f.read(8))
        f.seek(length, 1)
    elif value_type == _ARRAY:
        item_type, count = struct.unpack("<IQ", f.read(12))
        if item_type in _SCALAR_SIZES:
            f.seek(_SCALAR_SIZES[item_type] * count, 1)
        else:
            for _ in range(count):
                _skip_value(f, item_type)
    else:
        f.seek(_SCALAR_SIZES[value_type], 1)
