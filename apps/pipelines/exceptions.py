class PipelineActionError(Exception):
    """A pipeline change that cannot be made; the message is for the user."""


class StaleEdit(PipelineActionError):
    def __init__(self, current_revision: int):
        self.current_revision = current_revision
        super().__init__(
            "This pipeline was changed elsewhere (another tab or person) since you opened it. "
            "Reload to see the latest version."
        )


class PipelineNotValid(PipelineActionError):
    """The graph has validation issues, so it cannot be versioned; `issues` point at the problems."""

    def __init__(self, message: str, issues: list):
        self.issues = issues
        super().__init__(message)
