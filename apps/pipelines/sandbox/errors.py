"""What running a team's Python code can end in, besides a result.

`str(error)` is the sentence shown to the team member (node trace, builder test panel, validator);
it never contains a platform traceback, only the line of *their* code when one is known.
"""

from __future__ import annotations


class SandboxError(Exception):
    """The user's code could not run or did not finish properly."""

    def __init__(self, message: str, *, line: int | None = None):
        self.message = message
        self.line = line
        super().__init__(f"Line {line}: {message}" if line else message)


class InvalidCode(SandboxError):
    """A syntax error, or no `main(input, **kwargs)` function."""


class CodeNotAllowed(SandboxError):
    """The code reached for something the sandbox forbids (a module, a dunder attribute, `open`)."""


class CodeFailed(SandboxError):
    """The code raised an exception, or its process stopped unexpectedly."""


class SandboxDisabled(SandboxError):
    """The server cannot run code safely (no working bubblewrap) and its operator did not opt out."""


class CodeTimeout(SandboxError):
    pass


class CodeMemoryExceeded(SandboxError):
    pass


class OutputTooLarge(SandboxError):
    pass


class HelperError(Exception):
    """Raised by a HelperHost method to refuse or fail a helper call (a host off the HTTP allow-list,
    a non-JSON value). The message is passed to the user's code as a catchable `HelperError`."""


class AbortPipeline(Exception):
    """The code called `abort_with_message(message)`: the pipeline stops and replies with `message`.

    Not a SandboxError on purpose: it is a deliberate outcome, not a failure of the code."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)
