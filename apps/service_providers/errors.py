"""Typed provider errors: what the user sees when a model, embedding or voice call fails.

Adapters translate SDK and HTTP failures into these, so callers (pipelines, the "Test connection"
button, evaluations) show one clear sentence and record it, never a raw traceback.
"""


class ProviderError(Exception):
    """A call to an external AI service failed. `str(error)` is the message for the user."""

    retryable = False

    def __init__(self, message: str, *, provider: str = "", status_code: int | None = None):
        super().__init__(message)
        self.provider = provider
        self.status_code = status_code


class AuthenticationFailed(ProviderError):
    pass


class ModelNotFound(ProviderError):
    pass


class RateLimited(ProviderError):
    retryable = True


class ProviderUnavailable(ProviderError):
    """5xx, connection refused, DNS failure: the service did not answer properly."""

    retryable = True


class ProviderTimeout(ProviderError):
    retryable = True


class InvalidRequest(ProviderError):
    """The service rejected what we sent (bad parameter, context too long, content filtered)."""


class ProviderConfigError(ProviderError):
    """The provider's saved settings cannot be used (missing key, malformed URL, blocked address)."""


def error_for_status(status_code: int, *, provider: str, model: str = "", detail: str = "") -> ProviderError:
    """The typed error for an HTTP status from a provider API, with a message a team member can act on."""
    suffix = f": {detail}" if detail else ""
    if status_code in (401, 403):
        return AuthenticationFailed(
            f"The API key for provider '{provider}' was rejected{suffix}", provider=provider, status_code=status_code
        )
    if status_code == 404:
        what = f"Model '{model}' does not exist" if model else "The requested resource does not exist"
        return ModelNotFound(f"{what} at provider '{provider}'{suffix}", provider=provider, status_code=status_code)
    if status_code == 429:
        return RateLimited(
            f"Provider '{provider}' rate limited the request{suffix}", provider=provider, status_code=429
        )
    if status_code >= 500:
        return ProviderUnavailable(
            f"Provider '{provider}' failed with HTTP {status_code}{suffix}", provider=provider, status_code=status_code
        )
    return InvalidRequest(
        f"Provider '{provider}' rejected the request (HTTP {status_code}){suffix}",
        provider=provider,
        status_code=status_code,
    )
