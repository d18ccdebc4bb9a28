"""The LinkHut driver (tests/linkhut.py) against a real LinkHut and an aalink peer.

These check the driver, so that tests of Stepista built on it can trust what it reads:
LinkHut's screen must agree with what a second Link peer (aalink, in this process) sees.
Each test runs in a private network namespace when it can (root), so other people's Link
peers on this machine neither disturb the test nor get their tempo changed by it.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from linkhut import LinkHut, parse_screen, private_link_network, require_linkhut

aalink = pytest.importorskip("aalink")
jack = pytest.importorskip("jack")

QUANTUM = 4


# -- a JACK server of our own ------------------------------------------------------------

@pytest.fixture(scope="module")
def jack_server(jack_server):
    """conftest's private jackd, by name: LinkHut's metronome plays into it."""
    require_linkhut()
    return jack_server.name


@pytest.fixture
def link_net():
    """Run the test in a private network when allowed; yields whether it is private."""
    with private_link_network() as private:
        yield private


# -- an aalink peer ------------------------------------------------------------------------

def run_with_peer(body, bpm: float = 120.0, private: bool = True):
    """Run ``await body(link)`` with an enabled aalink peer, in a fresh event loop.

    aalink must be built inside a running loop. On a shared network, a peer that finds
    strangers before LinkHut starts makes the test skip: their tempo would not be ours.
    """
    async def main():
        link = aalink.Link(bpm)
        link.quantum = QUANTUM
        link.enabled = True
        try:
            if not private:
                await asyncio.sleep(1.5)
                if link.num_peers:
                    pytest.skip("other Link peers share this network (run as root to isolate)")
            return await body(link)
        finally:
            link.enabled = False

    return asyncio.run(main())


async def until(pred, timeout: float, interval: float = 0.005) -> float:
    """Wait (in the loop, so Link keeps running) until pred() holds; return seconds taken."""
    start = time.monotonic()
    while not pred():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)
    return time.monotonic() - start


async def hut_until(hut: LinkHut, pred, timeout: float):
    """Like LinkHut.wait_for, but without blocking the loop (tmux calls go to a thread)."""
    return await asyncio.to_thread(hut.wait_for, pred, timeout)


def beat_gap(a: float, b: float, quantum: float = QUANTUM) -> float:
    """Distance between two beats on the quantum circle: peers agree on phase, not on beat.

    >>> round(beat_gap(3.95, 0.02), 2)
    0.07
    """
    d = (a - b) % quantum
    return min(d, quantum - d)


# -- tests -------------------------------------------------------------------------------

def test_screen_before_enable(jack_server, link_net):
    """A fresh LinkHut reads as off, alone, stopped, at 4 beats a bar."""
    with LinkHut(jack_server) as hut:
        state = hut.state()
    assert (state.enabled, state.peers, state.quantum, state.playing) == (False, 0, 4, False)
    assert state.tempo > 0


def test_peers_counted_both_ways(jack_server, link_net):
    """Enabling LinkHut makes it and the aalink peer see each other (exactly one peer each
    on a private network)."""
    async def body(link):
        with LinkHut(jack_server) as hut:
            await asyncio.to_thread(hut.enable)
            state = await hut_until(hut, lambda s: s.peers >= 1, timeout=5)
            await until(lambda: link.num_peers >= 1, timeout=5)
            if link_net:
                assert state.peers == 1 and link.num_peers == 1
            await asyncio.to_thread(hut.disable)
            await until(lambda: link.num_peers == 0, timeout=5)

    run_with_peer(body, private=link_net)


def test_tempo_keys_reach_aalink_within_a_beat(jack_server, link_net):
    """One e raises the session tempo by 1 BPM and the aalink peer has it within a beat of
    the key press; tempo_up/tempo_down step by exactly n, as screen and peer agree."""
    async def body(link):
        with LinkHut(jack_server) as hut:
            await asyncio.to_thread(hut.enable)
            await until(lambda: link.num_peers >= 1, timeout=5)
            start = (await asyncio.to_thread(hut.state)).tempo
            await until(lambda: abs(link.tempo - start) < 0.01, timeout=2)

            pressed = time.monotonic()
            await asyncio.to_thread(hut.press, "e")
            await until(lambda: abs(link.tempo - (start + 1)) < 0.01, timeout=2)
            assert time.monotonic() - pressed < 60 / start

            state = await asyncio.to_thread(hut.tempo_up, 2)
            assert state.tempo == pytest.approx(start + 3)
            await until(lambda: abs(link.tempo - (start + 3)) < 0.01, timeout=1)

            state = await asyncio.to_thread(hut.tempo_down, 5)
            assert state.tempo == pytest.approx(start - 2)
            await until(lambda: abs(link.tempo - (start - 2)) < 0.01, timeout=1)

    run_with_peer(body, private=link_net)


def test_beats_agree_with_aalink(jack_server, link_net):
    """LinkHut's beat column and aalink's beat agree on the bar (quantum 4) to within the
    time a screen capture takes; this is what lets tests read the beat off the screen."""
    async def body(link):
        with LinkHut(jack_server) as hut:
            await asyncio.to_thread(hut.enable)
            await until(lambda: link.num_peers >= 1, timeout=5)
            await asyncio.sleep(1.0)  # let Link finish measuring the peer's clock offset
            gaps = []
            for _ in range(5):
                before = link.beat
                screen = await asyncio.to_thread(hut.screen)
                after = link.beat
                state = parse_screen(screen)
                if state is None:
                    continue
                # The screen was captured somewhere between the two reads of our beat.
                gaps.append(beat_gap(state.beats, (before + after) / 2)
                            - beat_gap(before, after) / 2)
            assert gaps, "no readable screen in 5 captures"
            # 0.1 beat = 50 ms at 120 BPM: LinkHut redraws often, but not every millisecond.
            assert max(gaps) < 0.1, gaps

    run_with_peer(body, private=link_net)


def test_start_stop_reaches_aalink_with_sync(jack_server, link_net):
    """With start/stop sync on at both ends, LinkHut's space starts and stops the aalink
    peer's transport, each within a beat of the key press."""
    async def body(link):
        link.start_stop_sync_enabled = True
        with LinkHut(jack_server) as hut:
            await asyncio.to_thread(hut.enable)
            await until(lambda: link.num_peers >= 1, timeout=5)
            assert (await asyncio.to_thread(hut.toggle_sync)).sync
            assert not link.playing
            beat_s = 60 / link.tempo

            pressed = time.monotonic()
            assert (await asyncio.to_thread(hut.toggle_play)).playing
            await until(lambda: link.playing, timeout=2)
            assert time.monotonic() - pressed < beat_s

            pressed = time.monotonic()
            assert not (await asyncio.to_thread(hut.toggle_play)).playing
            await until(lambda: not link.playing, timeout=2)
            assert time.monotonic() - pressed < beat_s

    run_with_peer(body, private=link_net)
