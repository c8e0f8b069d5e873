"""The functions user code can call, answered by the parent process.

The child exposes each name in HELPER_NAMES as a plain function; a call becomes a JSON request over the
pipe and the runner invokes the method of the same name on the run's HelperHost. So the child never
touches the database or the network: the host decides what a call may do. Arguments and results are
JSON values. A host refuses a call by raising HelperError (the user's code sees a catchable
`HelperError`); `abort_with_message` raises AbortPipeline, which ends the run.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from apps.pipelines.sandbox.errors import AbortPipeline, HelperError

HTTP_HELPERS = frozenset({"http_get", "http_post"})
HELPER_NAMES: tuple[str, ...] = (
    "get_participant_data",
    "set_participant_data",
    "set_participant_data_key",
    "get_session_state",
    "get_session_state_key",
    "set_session_state_key",
    "get_temp_state",
    "get_temp_state_key",
    "set_temp_state_key",
    "get_selected_route",
    "get_node_output",
    "add_message_tag",
    "add_session_tag",
    "end_session",
    "abort_with_message",
    "http_get",
    "http_post",
)


class HelperHost:
    """The parent's side of the helpers. Subclasses implement the data methods against the pipeline
    run (the engine) or in memory (DictHelperHost); HTTP is implemented here, on the allow-list."""

    http_allowed_hosts: tuple[str, ...] = ()  # exact host names, or "*.example.org" for subdomains
    # Loopback, 0.0.0.0 and link-local are refused to code nodes everywhere, development included (the
    # platform itself listens on localhost there). Only tests turn this on, for their local fake servers.
    http_allow_local: bool = False
    http_timeout: float = 10.0  # capped further by the run's remaining wall time
    http_max_response_bytes: int = 1_000_000

    def get_participant_data(self) -> dict[str, Any]:
        raise NotImplementedError

    def set_participant_data(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def set_participant_data_key(self, key: str, value: Any) -> None:
        raise NotImplementedError

    def get_session_state(self) -> dict[str, Any]:
        raise NotImplementedError

    def get_session_state_key(self, key: str) -> Any:
        raise NotImplementedError

    def set_session_state_key(self, key: str, value: Any) -> None:
        raise NotImplementedError

    def get_temp_state(self) -> dict[str, Any]:
        raise NotImplementedError

    def get_temp_state_key(self, key: str) -> Any:
        raise NotImplementedError

    def set_temp_state_key(self, key: str, value: Any) -> None:
        raise NotImplementedError

    def get_selected_route(self, router_node_name: str) -> str | None:
        raise NotImplementedError

    def get_node_output(self, node_name: str) -> str | None:
        raise NotImplementedError

    def add_message_tag(self, tag: str) -> None:
        raise NotImplementedError

    def add_session_tag(self, tag: str) -> None:
        raise NotImplementedError

    def end_session(self) -> None:
        raise NotImplementedError

    def abort_with_message(self, message: str) -> None:
        raise AbortPipeline(str(message))

    def log(self, text: str) -> None:
        """What the code printed (capped). Not a user helper: the runner calls it once per run."""

    def http_get(
        self,
        url: str,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        return self._http("GET", url, params=params, headers=headers, timeout=timeout)

    def http_post(
        self,
        url: str,
        json: Any = None,  # noqa: A002 - the name users know from requests/httpx
        data: dict[str, Any] | str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        return self._http("POST", url, json=json, data=data, headers=headers, timeout=timeout)

    def _http(self, method: str, url: str, *, timeout: float | None, **kwargs: Any) -> dict[str, Any]:
        check_http_allowed(url, self.http_allowed_hosts)
        # Imported here so the sandbox (and its tests) load without Django settings or httpx until used.
        import httpx

        from apps.service_providers.errors import ProviderConfigError
        from apps.service_providers.http import http_client

        if isinstance(kwargs.get("data"), str):
            kwargs["content"] = kwargs.pop("data")
        kwargs = {key: value for key, value in kwargs.items() if value is not None}
        try:
            # The client resolves the host once, checks every address (private ones only where the
            # deployment allows them; this machine never) and connects to a checked one. No proxy from
            # the environment: a proxy would connect by name, past that check.
            with (
                http_client(
                    timeout=timeout or self.http_timeout, allow_local=self.http_allow_local, trust_env=False
                ) as client,
                client.stream(method, url, **kwargs) as response,
            ):
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.http_max_response_bytes:
                        raise HelperError(
                            f"The response from {url} is larger than {self.http_max_response_bytes:,} bytes"
                        )
                return _response_dict(response, bytes(body))
        except ProviderConfigError as error:
            raise HelperError(str(error)) from None
        except httpx.TimeoutException:
            raise HelperError(f"The request to {url} timed out") from None
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise HelperError(f"The request to {url} failed: {error}") from None
        except (TypeError, ValueError) as error:  # headers, params or data httpx cannot send
            raise HelperError(f"The request to {url} is invalid: {error}") from None


def check_http_allowed(url: str, allowed_hosts: tuple[str, ...] | list[str]) -> None:
    """Refuse a URL whose host is not on the allow-list (an empty list allows nothing)."""
    if not allowed_hosts:
        raise HelperError("HTTP requests are not enabled for this code (no allowed hosts)")
    try:
        host = (urlsplit(url).hostname or "").lower()
    except (TypeError, ValueError, AttributeError):
        raise HelperError(f"{url!r} is not a valid URL") from None
    for allowed in allowed_hosts:
        allowed = allowed.lower()
        if host == allowed or (allowed.startswith("*.") and host.endswith(allowed[1:])):
            return
    raise HelperError(f"Host '{host}' is not on the list of allowed hosts")


def _response_dict(response: Any, body: bytes) -> dict[str, Any]:
    try:
        text = body.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        text = body.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    return {"status": response.status_code, "headers": dict(response.headers), "text": text, "json": parsed}


@dataclass
class DictHelperHost(HelperHost):
    """Everything in memory: for tests, the builder's "test code" panel, and as a base for the engine
    (copy the run's state in, read the changes back out)."""

    participant_data: dict[str, Any] = field(default_factory=dict)
    session_state: dict[str, Any] = field(default_factory=dict)
    temp_state: dict[str, Any] = field(default_factory=dict)
    node_outputs: dict[str, str] = field(default_factory=dict)  # node name -> output
    routes: dict[str, str] = field(default_factory=dict)  # router node name -> selected route
    message_tags: list[str] = field(default_factory=list)
    session_tags: list[str] = field(default_factory=list)
    session_ended: bool = False
    logs: list[str] = field(default_factory=list)
    http_allowed_hosts: tuple[str, ...] = ()

    def get_participant_data(self) -> dict[str, Any]:
        return copy.deepcopy(self.participant_data)

    def set_participant_data(self, data: dict[str, Any]) -> None:
        self.participant_data = dict(_require_dict(data, "set_participant_data"))

    def set_participant_data_key(self, key: str, value: Any) -> None:
        self.participant_data[_require_key(key)] = value

    def get_session_state(self) -> dict[str, Any]:
        return copy.deepcopy(self.session_state)

    def get_session_state_key(self, key: str) -> Any:
        return self.session_state.get(key)

    def set_session_state_key(self, key: str, value: Any) -> None:
        self.session_state[_require_key(key)] = value

    def get_temp_state(self) -> dict[str, Any]:
        return copy.deepcopy(self.temp_state)

    def get_temp_state_key(self, key: str) -> Any:
        return self.temp_state.get(key)

    def set_temp_state_key(self, key: str, value: Any) -> None:
        self.temp_state[_require_key(key)] = value

    def get_selected_route(self, router_node_name: str) -> str | None:
        return self.routes.get(router_node_name)

    def get_node_output(self, node_name: str) -> str | None:
        return self.node_outputs.get(node_name)

    def add_message_tag(self, tag: str) -> None:
        self.message_tags.append(_require_key(tag))

    def add_session_tag(self, tag: str) -> None:
        self.session_tags.append(_require_key(tag))

    def end_session(self) -> None:
        self.session_ended = True

    def log(self, text: str) -> None:
        self.logs.append(text)


def _require_key(key: Any) -> str:
    if not isinstance(key, str) or not key:
        raise HelperError("Keys and tags must be non-empty strings")
    return key


def _require_dict(value: Any, helper: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise HelperError(f"{helper}() takes a dict")
    return value
