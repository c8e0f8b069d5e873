class PipelineActionError(Exception):
    """A pipeline change that cannot be made; the message is for the user."""


class StaleEdit(PipelineActionError):
    def __init__(self, current_revision: int):
        self.current_revision = current_revision
        super().__init__(
            "This pipeline was changed elsewhere (another tab or person) since you opened it. "
            "Reload to see the latest version."
        )
