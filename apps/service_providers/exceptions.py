class ProviderActionError(Exception):
    """A provider change that cannot be made; the message is for the user."""


class ProviderInUse(ProviderActionError):
    def __init__(self, provider_name: str, usages: list[str]):
        self.usages = usages
        listed = "; ".join(usages)
        super().__init__(f"“{provider_name}” is in use and cannot be deleted. Used by: {listed}")
