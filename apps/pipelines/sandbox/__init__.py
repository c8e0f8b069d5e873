"""Safe-by-default execution of team-written Python (the pipeline "Python code" node).

Public API: `run_user_code`, `check_code`, `SandboxLimits`, `HelperHost` / `DictHelperHost`, and the
errors. runner.py lists the isolation layers; policy.py what user code may touch.
"""

from apps.pipelines.sandbox.checker import check_code
from apps.pipelines.sandbox.errors import (
    AbortPipeline,
    CodeFailed,
    CodeMemoryExceeded,
    CodeNotAllowed,
    CodeTimeout,
    HelperError,
    InvalidCode,
    OutputTooLarge,
    SandboxDisabled,
    SandboxError,
)
from apps.pipelines.sandbox.helpers import DictHelperHost, HelperHost
from apps.pipelines.sandbox.limits import DEFAULT_LIMITS, SandboxLimits
from apps.pipelines.sandbox.runner import run_user_code

__all__ = [
    "DEFAULT_LIMITS",
    "AbortPipeline",
    "CodeFailed",
    "CodeMemoryExceeded",
    "CodeNotAllowed",
    "CodeTimeout",
    "DictHelperHost",
    "HelperError",
    "HelperHost",
    "InvalidCode",
    "OutputTooLarge",
    "SandboxDisabled",
    "SandboxError",
    "SandboxLimits",
    "check_code",
    "run_user_code",
]
