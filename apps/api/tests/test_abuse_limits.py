"""Anonymous writes are bounded: widget session starts per client address and per embedding site,
messages per OpenAI-compatible request, and failed API key attempts per client address."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.api.tests.test_widget_api import ORIGIN, widget_client
from apps.chat.models import ChatMessage
from apps.experiments.models import ExperimentSession

pytestmark = pytest.mark.django_db


def start(client, chatbot, **request_extra):
    """Start a widget session; `request_extra` are request META entries (REMOTE_ADDR, HTTP_…)."""
    return client.post("/api/chat/start/", {"chatbot_id": str(chatbot.public_id)}, format="json", **request_extra)


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def test_widget_session_starts_are_limited_per_client_address(widget, chatbot, settings):
    settings.WIDGET_SESSION_STARTS_PER_ADDRESS = "3/min"
    client = widget_client(widget)
    assert [start(client, chatbot).status_code for _ in range(3)] == [201, 201, 201]
    limited = start(client, chatbot, HTTP_X_FORWARDED_FOR="10.9.9.9")  # a claimed address changes nothing
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert limited["Access-Control-Allow-Origin"] == ORIGIN  # the widget can read the refusal
    assert ExperimentSession.objects.count() == 3
    assert start(client, chatbot, REMOTE_ADDR="10.0.0.2").status_code == 201


def test_widget_session_starts_are_limited_per_origin(widget, chatbot, settings):
    settings.WIDGET_SESSION_STARTS_PER_ORIGIN = "2/min"
    client = widget_client(widget)
    statuses = [start(client, chatbot, REMOTE_ADDR=f"10.0.0.{n}").status_code for n in range(1, 4)]
    assert statuses == [201, 201, 429]


def test_the_client_address_behind_trusted_proxies(widget, chatbot, settings):
    settings.WIDGET_SESSION_STARTS_PER_ADDRESS = "1/min"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = widget_client(widget)
    assert start(client, chatbot, HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 201
    assert start(client, chatbot, HTTP_X_FORWARDED_FOR="10.0.0.2").status_code == 201
    assert start(client, chatbot, HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 429


def test_an_openai_request_carries_a_bounded_number_of_messages(api, chatbot, settings):
    settings.OPENAI_MAX_MESSAGES = 5
    messages = [{"role": "user", "content": f"m{n}"} for n in range(6)]
    response = api.post(f"/api/openai/{chatbot.public_id}/chat/completions", {"messages": messages}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["param"], error["code"]) == ("invalid_request_error", "messages", "too_many_messages")
    assert "at most 5" in error["message"]
    assert not ChatMessage.objects.exists()
    assert not ExperimentSession.objects.exists()


def test_failed_api_key_attempts_are_throttled_per_address(api_key, settings):
    settings.API_KEY_FAILURES_PER_ADDRESS = "3/min"
    guesser = APIClient()
    guesser.credentials(HTTP_X_API_KEY=api_key[:-4] + "xxxx")
    assert [guesser.get("/api/experiments/").status_code for _ in range(3)] == [401, 401, 401]
    limited = guesser.get("/api/experiments/")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    # once over the limit, the address cannot even try a right key; another address can
    guesser.credentials(HTTP_X_API_KEY=api_key)
    assert guesser.get("/api/experiments/").status_code == 429
    assert guesser.get("/api/experiments/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_good_keys_do_not_count_as_failures(api, settings):
    settings.API_KEY_FAILURES_PER_ADDRESS = "2/min"
    assert {api.get("/api/experiments/").status_code for _ in range(4)} == {200}


def test_failed_keys_on_the_widget_stream_count_too(api_key, widget, chatbot, settings):
    settings.API_KEY_FAILURES_PER_ADDRESS = "2/min"
    session = start(widget_client(widget), chatbot).json()["session_id"]
    guesser = APIClient()
    guesser.credentials(HTTP_X_API_KEY="cs_00000000.wrong", HTTP_ORIGIN=ORIGIN)
    url = f"/api/chat/{session}/message/stream/"
    statuses = [guesser.post(url, {"message": "Hi"}, format="json").status_code for _ in range(3)]
    assert statuses[-1] == 429
    assert guesser.get("/api/experiments/").status_code == 429  # the same count as the rest of the API


def test_throttle_keys_hold_no_client_chosen_characters():
    # A raw session id or Origin in the key let a client put control characters and any length into
    # cache keys (memcached refuses both; Django warns).
    from types import SimpleNamespace

    from apps.api.throttles import SessionRateThrottle, WidgetStartOriginThrottle

    weird = "sess\x00\n" + "\U000c2276" * 300
    session_key = SessionRateThrottle().get_cache_key(
        SimpleNamespace(data={}), SimpleNamespace(kwargs={"session_id": weird})
    )
    other_key = SessionRateThrottle().get_cache_key(
        SimpleNamespace(data={}), SimpleNamespace(kwargs={"session_id": "x"})
    )
    origin_key = WidgetStartOriginThrottle().get_cache_key(
        SimpleNamespace(headers={"Origin": "https://a.example\r\n" + "z" * 500}), None
    )
    for key in (session_key, other_key, origin_key):
        assert key.isascii()
        assert key.isprintable()
        assert len(key) < 80
    assert session_key != other_key


def test_starts_refused_for_one_address_do_not_fill_its_sites_bucket(widget, chatbot, settings):
    # DRF counts a request against every throttle, even one already refused: one address looping over
    # its own limit would otherwise shut the site's widget off for every visitor.
    settings.WIDGET_SESSION_STARTS_PER_ADDRESS = "2/min"
    settings.WIDGET_SESSION_STARTS_PER_ORIGIN = "5/min"
    attacker = widget_client(widget)
    statuses = [start(attacker, chatbot, REMOTE_ADDR="10.6.6.6").status_code for _ in range(8)]
    assert statuses == [201, 201] + [429] * 6
    assert start(widget_client(widget), chatbot, REMOTE_ADDR="10.0.0.7").status_code == 201


def test_every_spelling_of_a_session_id_shares_one_limit():
    from types import SimpleNamespace

    from apps.api.throttles import SessionRateThrottle

    def key(session_id: str) -> str:
        view = SimpleNamespace(kwargs={"session_id": session_id})
        return SessionRateThrottle().get_cache_key(SimpleNamespace(data={}), view)

    canonical = "8c5f0c0e-3b0a-4e4e-9a55-0d1d9d0f2a11"
    spellings = [canonical.upper(), "{" + canonical + "}", "urn:uuid:" + canonical, canonical.replace("-", "")]
    assert {key(spelling) for spelling in spellings} == {key(canonical)}


def test_the_streamed_message_endpoint_has_the_per_session_limit(widget, chatbot, client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    from apps.service_providers.testing.fake_llm import use_fake_llm

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "api_session", "2/min")
    body = start(widget_client(widget), chatbot).json()
    headers = {"HTTP_X_EMBED_KEY": widget.embed_key, "HTTP_ORIGIN": ORIGIN}
    url = f"/api/chat/{body['session_id']}/message/stream/"
    with use_fake_llm("one", "two", "three"):
        statuses = [
            client.post(url, {"message": "Hi"}, content_type="application/json", **headers).status_code
            for _ in range(3)
        ]
    assert statuses == [200, 200, 429]
