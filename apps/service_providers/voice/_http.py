"""Shared request path for the voice adapters that speak plain HTTP (Azure, ElevenLabs): the URL
check, retries, and translation of failures to typed errors. The client comes from the one HTTP
seam; each adapter keeps one, so retries and later calls reuse its TLS setup and connections."""

from __future__ import annotations

from typing import Any

import httpx

from apps.service_providers.errors import ProviderConfigError, ProviderError, ProviderTimeout, ProviderUnavailable
from apps.service_providers.http import check_url_allowed
from apps.service_providers.voice.base import CallPolicy, call_with_retries, detail_from_body, status_error


def response_detail(response: httpx.Response) -> str:
    try:
        return detail_from_body(response.json())
    except ValueError:
        return response.text.strip()[:300]


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    provider: str,
    policy: CallPolicy,
    model: str = "",
    voice: str = "",
    **request_kwargs: Any,
) -> httpx.Response:
    """One logical call: retried on 429/5xx, any failure raised as a typed ProviderError.
    `model` / `voice` name what a 404 means for this endpoint."""
    check_url_allowed(url)

    def attempt() -> httpx.Response:
        try:
            response = client.request(method, url, **request_kwargs)
        except httpx.TimeoutException as error:
            raise ProviderTimeout(
                f"Provider '{provider}' did not answer within {policy.timeout_seconds:g} seconds", provider=provider
            ) from error
        except httpx.TransportError as error:
            raise ProviderUnavailable(f"Could not reach provider '{provider}': {error}", provider=provider) from error
        except httpx.HTTPError as error:
            raise ProviderError(f"Provider '{provider}' failed: {error}", provider=provider) from error
        if response.is_redirect:
            # Redirects are not followed (a redirect could lead to an internal address), so one here
            # almost always means a wrong base URL.
            raise ProviderConfigError(
                f"Provider '{provider}' answered with a redirect (HTTP {response.status_code}) to "
                f"'{response.headers.get('Location', '')}'; check the base URL",
                provider=provider,
                status_code=response.status_code,
            )
        if response.status_code >= 400:
            raise status_error(
                response.status_code, provider=provider, detail=response_detail(response), model=model, voice=voice
            )
        return response

    return call_with_retries(policy, attempt)
