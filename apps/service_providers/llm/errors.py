"""Turn SDK and LangChain failures into the typed ProviderErrors users see.

LangChain 1.x classifies most provider failures as `langchain_core.exceptions.ModelError`
subclasses; the SDKs' own status errors and httpx timeouts cover the rest."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
from langchain_core import exceptions as lc

from apps.service_providers import errors


def _status_code(error: BaseException) -> int | None:
    for candidate in (error, error.__cause__, error.__context__):
        if candidate is None:
            continue
        for attribute in ("status_code", "code", "status"):
            value = getattr(candidate, attribute, None)
            if isinstance(value, int) and 100 <= value < 600:
                return value
    return None


def _detail(error: BaseException) -> str:
    """The provider's own error message, without SDK decoration."""
    for candidate in (error, error.__cause__):
        if candidate is None:
            continue
        body = getattr(candidate, "body", None)
        if isinstance(body, dict):
            inner = body.get("error", body)
            message = inner.get("message") if isinstance(inner, dict) else None
            if message:
                return str(message)
        message = getattr(candidate, "message", None)  # google.genai errors
        if isinstance(message, str) and message:
            return message
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__


def translate(error: BaseException, *, provider: str, model: str = "", retries: int = 0) -> errors.ProviderError:
    if isinstance(error, errors.ProviderError):
        return error
    detail = _detail(error)
    timeout_types: tuple[type[BaseException], ...] = (lc.ModelTimeoutError, httpx.TimeoutException, TimeoutError)
    if isinstance(error, timeout_types) or "timed out" in detail.lower():
        return errors.ProviderTimeout(
            f"Provider '{provider}' did not answer in time (after {retries} retries)", provider=provider
        )
    status = _status_code(error)
    if status == 400 and ("API_KEY_INVALID" in str(error) or "API key not valid" in detail):
        status = 401  # Gemini answers a bad key with 400 INVALID_ARGUMENT
    if isinstance(error, lc.ModelRateLimitError) or status == 429:
        return errors.RateLimited(
            f"Provider '{provider}' rate limited the request, retried {retries} times: {detail}",
            provider=provider,
            status_code=429,
        )
    if isinstance(error, lc.ModelAuthenticationError | lc.ModelPermissionDeniedError) and status is None:
        status = 401
    if isinstance(error, lc.ModelNotFoundError) and status is None:
        status = 404
    if isinstance(error, lc.ContextOverflowError):
        return errors.InvalidRequest(
            f"The conversation is too long for model '{model}' at provider '{provider}'", provider=provider
        )
    if status is not None:
        return errors.error_for_status(status, provider=provider, model=model, detail=detail)
    if (
        isinstance(error, lc.ModelConnectionError | httpx.TransportError)
        or "connection" in type(error).__name__.lower()
    ):
        return errors.ProviderUnavailable(f"Cannot reach provider '{provider}': {detail}", provider=provider)
    return errors.ProviderError(f"Provider '{provider}' failed: {detail}", provider=provider)


@contextlib.contextmanager
def translate_errors(*, provider: str, model: str = "", retries: int = 0) -> Iterator[None]:
    """Re-raise any failure inside as a ProviderError with a user-facing message."""
    try:
        yield
    except errors.ProviderError:
        raise
    except Exception as error:  # noqa: BLE001 - every SDK failure becomes a typed, readable error
        raise translate(error, provider=provider, model=model, retries=retries) from error
