"""The engine's IPC messages: every request shape validates, anything else is a BadMessage
(never another exception), and a seeded fuzz of malformed lines finds no way through."""

import json
import random

import pytest

from stepista.engine import ipc


@pytest.mark.parametrize("message,op", [
    ({"op": "hello", "client": "tui"}, "hello"),
    ({"op": "play", "code": 'note("c3")', "track": "bass", "channel": 2, "quantize": "bar", "cut": True}, "play"),
    ({"op": "play", "code": "x", "quantize": 2.5}, "play"),
    ({"op": "clip", "track": "t", "clip": {"notes": []}}, "clip"),
    ({"op": "remove", "track": "d1"}, "remove"),
    ({"op": "hush"}, "hush"),
    ({"op": "start"}, "start"), ({"op": "stop"}, "stop"), ({"op": "status", "id": 7}, "status"),
    ({"op": "tempo", "bpm": 174}, "tempo"),
    ({"op": "link", "enabled": False, "quantum": 3}, "link"),
    ({"op": "open", "spec": "jack:x"}, "open"), ({"op": "close", "output": "jack:x"}, "close"),
])
def test_good_requests_parse(message, op):
    assert ipc.parse_request(json.dumps(message).encode()).op == op


@pytest.mark.parametrize("line,problem", [
    (b"not json", "not JSON"),
    (b"[1, 2]", "expected a JSON object, got list"),
    (b'{"op": "dance"}', "unknown op 'dance'"),
    (b'{"bpm": 120}', "the message has no 'op'"),
    (b'{"op": "tempo", "bpm": 5}', "tempo: bpm: Input should be greater than or equal to 20"),
    (b'{"op": "play"}', "play: code: Field required"),
    (b'{"op": "play", "code": "x", "channel": 17}', "play: channel: Input should be less than or equal to 16"),
    (b'{"op": "play", "code": "x", "quantize": "soon"}', "play: quantize"),
    (b'{"op": "status", "extra": 1}', "status: extra: Extra inputs are not permitted"),
    (b'{"op": "hush", "id": [1]}', "hush: id"),
    (b"\xff\xfe{}", "not JSON"),
    (b"[" * 100_000, "not JSON"),
])
def test_bad_requests_say_what_is_wrong(line, problem):
    with pytest.raises(ipc.BadMessage) as err:
        ipc.parse_request(line)
    assert problem in str(err.value)


def test_an_oversized_message_is_refused():
    with pytest.raises(ipc.BadMessage, match="longer than"):
        ipc.parse_request(b'{"op":"play","code":"' + b"a" * ipc.MAX_LINE + b'"}')


def _junk(rng: random.Random):
    """A malformed message: random bytes, wrong JSON, or a real op with broken fields."""
    kind = rng.randrange(6)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80)))
    if kind == 1:
        return json.dumps(rng.choice([None, 1, "x", [], 1.5, True, {"op": None}])).encode()
    ops = ["hello", "play", "clip", "remove", "hush", "start", "tempo", "link", "open", "close", "nope"]
    fields = ["code", "track", "channel", "quantize", "cut", "bpm", "enabled", "quantum", "spec",
              "output", "clip", "client", "id"]
    values = [None, -1, 0, 10**30, 1e308, "", "x" * rng.randrange(200), [], {}, [1, "a"], True,
              {"notes": [{"pitch": 500}]}, "NaN", float("inf")]
    msg = {"op": rng.choice(ops)}
    for _ in range(rng.randrange(4)):
        msg[rng.choice(fields)] = rng.choice(values)
    text = json.dumps(msg, allow_nan=True)
    if kind == 5:  # cut short
        text = text[: rng.randrange(len(text))]
    return text.encode()


def junk_lines(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    return [_junk(rng).replace(b"\n", b" ") for _ in range(count)]


def test_fuzz_parse_only_ever_raises_bad_message():
    accepted = 0
    for line in junk_lines(1234, 5000):
        try:
            ipc.parse_request(line)
            accepted += 1  # some random messages are valid (e.g. {"op": "hush"}); that is fine
        except ipc.BadMessage as exc:
            assert str(exc) and "\n" not in str(exc)
    assert accepted < 2500


def test_addresses_are_local_only():
    with pytest.raises(ValueError, match="only 127.0.0.1"):
        ipc._split("tcp:0.0.0.0:4000")
    assert ipc._split("tcp:127.0.0.1:4000") == ("tcp", "127.0.0.1", 4000)
    assert ipc._split("unix:/tmp/x.sock") == ("unix", "/tmp/x.sock", 0)
