"""Token trimming of the history: LangChain's trim_messages with a counter for the node's model that
counts each message once."""

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from apps.pipelines.nodes import llm_common
from apps.pipelines.runtime.context import RunInput
from apps.pipelines.runtime.runner import run_pipeline
from apps.pipelines.tests.graphs import LLM, linear, node
from apps.service_providers.tokens import count_message_tokens

PROMPT = "You are a helpful assistant."


def conversation(n: int) -> list:
    return [
        HumanMessage(f"question {i} " + "word " * (i % 7 * 5)) if i % 2 == 0 else AIMessage(f"answer {i}")
        for i in range(n)
    ]


def old_trim(history: list, user: str, budget: int) -> list:
    """What the history trimming kept before (dropping the oldest and counting all again each time)."""
    fixed = count_message_tokens([SystemMessage(PROMPT), HumanMessage(user)])
    kept = list(history)
    while kept and fixed + count_message_tokens(kept) > budget:
        kept.pop(0)
    return kept


def sent_history(fake_model, call: int = 0) -> list:
    system, *history, user = fake_model.calls[call]
    return history


def truncating(limit):
    return linear(node("llm", "llm", prompt=PROMPT, history_mode="truncate_tokens", history_token_limit=limit, **LLM))


@pytest.mark.parametrize("limit", [100, 150, 200, 333, 500, 800])
def test_kept_messages_are_what_the_old_trimming_kept(repo, fake_model, limit):
    history = conversation(30)
    run_pipeline(truncating(limit), RunInput("now", history=history), repo)
    assert [m.text for m in sent_history(fake_model)] == [m.text for m in old_trim(history, "now", limit)]


def test_a_leading_system_message_is_kept(repo, fake_model):
    summary = SystemMessage("Summary of the earlier conversation: the participant likes tea.")
    history = [summary, *conversation(30)]
    run_pipeline(truncating(200), RunInput("now", history=history), repo)
    kept = sent_history(fake_model)
    assert kept[0].text == summary.text
    assert 1 < len(kept) < len(history)
    assert [m.text for m in kept[1:]] == [m.text for m in history[len(history) - len(kept) + 1 :]]
    assert count_message_tokens(fake_model.calls[0]) <= 200 + 3  # within the budget (one priming counted twice)


@pytest.fixture
def counted(monkeypatch):
    """The count_message_tokens calls of the history trimming: (number of messages, model)."""
    calls: list[tuple[int, str]] = []

    def counting(messages, model=""):
        calls.append((len(messages), model))
        return count_message_tokens(messages, model)

    monkeypatch.setattr(llm_common, "count_message_tokens", counting)
    return calls


def test_messages_are_counted_for_the_nodes_model(repo, fake_model, counted):
    repo.model_names[1] = "gpt-4"
    run_pipeline(truncating(150), RunInput("now", history=conversation(30)), repo)
    assert counted
    assert {model for _, model in counted} == {"gpt-4"}


def test_tokens_of_the_node_model_decide_what_is_kept(repo, fake_model):
    # Devanagari costs far fewer tokens in o200k_base (gpt-4o) than in cl100k_base (gpt-4).
    history = [
        HumanMessage("नमस्ते, आज मौसम कैसा है? मुझे बाज़ार जाना है।") if i % 2 == 0 else AIMessage("ठीक है") for i in range(40)
    ]
    kept = {}
    for model in ("gpt-4o", "gpt-4"):
        repo.model_names[1] = model
        fake_model.calls.clear()
        run_pipeline(truncating(400), RunInput("now", history=history), repo)
        kept[model] = len(sent_history(fake_model))
    assert kept["gpt-4o"] > kept["gpt-4"] > 0


@pytest.mark.parametrize("size", [50, 200])
def test_each_message_is_counted_once(repo, fake_model, counted, size):
    history = conversation(size)
    run_pipeline(truncating(150), RunInput("now", history=history), repo)
    kept = sent_history(fake_model)
    assert 0 < len(kept) < size
    messages_counted = sum(n for n, _ in counted)
    assert messages_counted <= size + 2  # the history once, plus the prompt and the new message
