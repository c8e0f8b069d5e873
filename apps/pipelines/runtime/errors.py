"""Why a pipeline run failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.pipelines.validation import ValidationIssue


class PipelineRunError(Exception):
    """The run failed; the message is for the user and names the node when one failed."""

    def __init__(self, message: str, *, node_id: str | None = None, trace_id: int | None = None):
        super().__init__(message)
        self.node_id = node_id
        self.trace_id = trace_id


class PipelineInvalid(PipelineRunError):
    def __init__(self, issues: list[ValidationIssue]) -> None:
        self.issues = issues
        super().__init__("The pipeline is not valid: " + "; ".join(issue.message for issue in issues[:5]))


class PipelineCancelled(PipelineRunError):
    pass


class RunStopped(BaseException):
    """Raised from a run's `on_token` to stop it at once (the person chatting pressed Stop).

    A BaseException, like KeyboardInterrupt, so that provider error translation and a node's broad
    `except Exception` let it through; `run_pipeline` turns it into PipelineCancelled, with the trace."""
