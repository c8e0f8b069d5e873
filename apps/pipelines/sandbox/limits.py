from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits for one run of user code. The defaults suit a chatbot turn; tests shrink them."""

    cpu_seconds: int = 5  # RLIMIT_CPU: whole seconds is what the kernel counts
    wall_seconds: float = 10.0  # includes time spent waiting on helpers (HTTP), so larger than CPU
    memory_mb: int = 128  # RLIMIT_AS of the child, interpreter included (~25 MB of it)
    max_output_bytes: int = 1_000_000  # main()'s return value, UTF-8 encoded
    max_log_bytes: int = 64_000  # print() output kept for the trace
    max_helper_calls: int = 1_000
    max_http_requests: int = 10
    max_open_files: int = 32  # the interpreter still opens stdlib files on a lazy import

    def __post_init__(self) -> None:
        if self.cpu_seconds < 1:
            raise ValueError("cpu_seconds must be at least 1")
        if self.wall_seconds <= 0 or self.memory_mb < 32:
            raise ValueError("wall_seconds must be positive and memory_mb at least 32")


DEFAULT_LIMITS = SandboxLimits()
