"""A fake Messages API for the Claude layer's tests: the real SDK code runs, only the network
is replaced.

`FakeClaude` sits behind ``httpx2.MockTransport`` (the SDK's HTTP client is httpx2, so respx,
which patches httpx, would not see it). Tests queue replies (a response, a function of the
request, or an exception the transport raises, such as ``httpx2.ReadTimeout``) and read back
every request the SDK sent, body decoded. The reply builders give the API's real shapes:
a ``message`` object with content blocks, ``stop_reason`` and ``usage``; errors as
``{"type": "error", "error": {"type", "message"}}`` with the status codes and headers the
API uses (429 with ``retry-after``, 500, 529 overloaded).

`FakeTime` is a clock the generator's budget reads and the SDK's retry sleeps advance,
so retries and budgets are tested without waiting.
"""

from __future__ import annotations

import itertools
import json
import time as _time

import anthropic
import anthropic._base_client as sdk_base
import httpx2

BASE_URL = "https://api.anthropic.test"
API_KEY = "sk-ant-test-0000"
MODEL = "claude-test-model"
_ids = itertools.count(1)


class FakeClaude:
    """Answers the SDK's requests from a queue of replies and records each request."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.requests: list[httpx2.Request] = []

    def queue(self, *replies) -> "FakeClaude":
        self.replies.extend(replies)
        return self

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if not self.replies:
            return api_error(500, "api_error", "fake: no reply queued")
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, type) and issubclass(reply, BaseException):
            raise reply("fake transport failure", request=request)
        if callable(reply):
            return reply(request)
        # a fresh copy, so one built reply can be queued many times
        return httpx2.Response(reply.status_code, headers=reply.headers, content=reply.content)

    def http_client(self) -> httpx2.Client:
        return httpx2.Client(transport=httpx2.MockTransport(self.handler))

    def client(self, *, max_retries: int = 2, base_url: str | None = BASE_URL) -> anthropic.Anthropic:
        return anthropic.Anthropic(api_key=API_KEY, base_url=base_url, max_retries=max_retries,
                                   http_client=self.http_client())

    @property
    def bodies(self) -> list[dict]:
        return [json.loads(r.content) for r in self.requests]

    def prompt(self, index: int = -1) -> str:
        """The text of the user message the SDK sent in request ``index``, blocks joined."""
        content = self.bodies[index]["messages"][0]["content"]
        if isinstance(content, str):
            return content
        return "\n".join(block["text"] for block in content)

    def request_json(self, index: int = -1) -> dict:
        """The JSON request in a clip prompt (the prompt's second line)."""
        return json.loads(self.prompt(index).split("\n")[1])


# -- reply builders: the API's shapes -------------------------------------------------------------

def _headers(**extra) -> dict:
    return {"content-type": "application/json", "request-id": f"req_fake{next(_ids):06d}", **extra}


def message(text: str | None, *, stop_reason: str = "end_turn", model: str = MODEL,
            stop_details: dict | None = None) -> httpx2.Response:
    """A Messages API ``message`` holding one text block (none when ``text`` is None)."""
    content = [] if text is None else [{"type": "text", "text": text}]
    body = {
        "id": f"msg_fake{next(_ids):06d}", "type": "message", "role": "assistant", "model": model,
        "content": content, "stop_reason": stop_reason, "stop_sequence": None,
        "stop_details": stop_details,
        "usage": {"input_tokens": 900, "output_tokens": max(1, len(text or "") // 4)},
    }
    return httpx2.Response(200, headers=_headers(), json=body)


def notes_answer(notes: list, **kw) -> httpx2.Response:
    """A message whose text is the structured answer ``{"notes": [...]}``.

    Notes are dicts, or ``(pitch, velocity, start, duration)`` tuples."""
    rows = [n if isinstance(n, dict) else dict(zip(("pitch", "velocity", "start", "duration"), n))
            for n in notes]
    return message(json.dumps({"notes": rows}), **kw)


def truncated(notes: list) -> httpx2.Response:
    """An answer cut off by ``max_tokens``: the JSON text stops halfway."""
    text = notes_answer(notes).json()["content"][0]["text"]
    return message(text[: len(text) // 2], stop_reason="max_tokens")


def refusal(explanation: str = "The request was declined.") -> httpx2.Response:
    return message(None, stop_reason="refusal",
                   stop_details={"type": "refusal", "category": None, "explanation": explanation})


def api_error(status: int, kind: str, text: str, **headers) -> httpx2.Response:
    body = {"type": "error", "error": {"type": kind, "message": text}, "request_id": "req_fakeerror"}
    return httpx2.Response(status, headers=_headers(**headers), json=body)


def rate_limited(retry_after: float = 1) -> httpx2.Response:
    return api_error(429, "rate_limit_error", "Number of request tokens has exceeded your rate limit.",
                     **{"retry-after": f"{retry_after:g}"})


def server_error() -> httpx2.Response:
    return api_error(500, "api_error", "Internal server error")


def overloaded() -> httpx2.Response:
    return api_error(529, "overloaded_error", "Overloaded")


def read_timeout(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ReadTimeout("timed out (fake)", request=request)


# -- time -----------------------------------------------------------------------------------------

class FakeTime:
    """A monotonic clock for the budget; the SDK's retry sleeps advance it instead of waiting."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def install(self, monkeypatch) -> "FakeTime":
        """Route the SDK's ``time.sleep`` (its retry back-off) here; nothing else changes."""
        monkeypatch.setattr(sdk_base, "time", _TimeWithSleep(self.sleep))
        return self


class _TimeWithSleep:
    """The ``time`` module as the SDK sees it, with ``sleep`` replaced."""

    def __init__(self, sleep):
        self.sleep = sleep

    def __getattr__(self, name):
        return getattr(_time, name)
