"""Finding plugin instances: a ping sweep of the instance ports, and the announcement listener.

Each instance owns one UDP port in 47801-47864 on 127.0.0.1 and answers a ping with a hello.
:func:`find_instances` pings them all from a socket of its own and collects what answers;
:class:`AnnouncementListener` keeps a table of the instances announcing themselves on port
47800 (every 2 s while they live), for an app that wants to know without asking.

A plugin output is named by the instance's name, its id, or ``#PORT``; :func:`pick` finds the
instance such a target means and says clearly when none (or more than one) does.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from typing import Callable, Iterable

from .protocol import (ANNOUNCE_PORT, FIRST_PORT, HOST, LAST_PORT, PORT_RANGE, PORTS, Ack,
                       Instance, ping_message, read_reply)

__all__ = ["find_instances", "AnnouncementListener", "pick", "matches", "instance_spec",
           "reply_socket", "receive", "port_of", "FORGET_S", "FIND_TIMEOUT_S"]

FIND_TIMEOUT_S = 0.25
FORGET_S = 6.0
"""An instance not heard from for this long is forgotten (it announces every 2 s)."""
_RESERVED = range(ANNOUNCE_PORT, LAST_PORT + 1)
_BUFFER = 1 << 16


def reply_socket() -> socket.socket:
    """A UDP socket on 127.0.0.1 at a free port outside 47800-47864, where replies come.

    The kernel's ephemeral ports include the instances' range; a reply socket there would take
    a port a plugin instance may need, so such a port is given back and another one taken.
    """
    held = []
    try:
        for _ in range(64):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((HOST, 0))
            if sock.getsockname()[1] not in _RESERVED:
                return sock
            held.append(sock)  # keep it bound until we have another, so we do not get it again
        raise OSError("no free UDP port outside 47800-47864 on 127.0.0.1")
    finally:
        for sock in held:
            sock.close()


def find_instances(timeout: float = FIND_TIMEOUT_S, ports: Iterable[int] = PORTS) -> list[Instance]:
    """Ping every instance port and return the instances that answered within ``timeout``
    seconds, by port. Never raises for what the network sends back."""
    with reply_socket() as sock:
        ping = ping_message(sock.getsockname()[1])
        for port in ports:
            try:
                sock.sendto(ping, (HOST, port))
            except OSError:  # a full buffer or a port the system refuses: that one is missed
                pass
        found: dict[int, Instance] = {}
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            reply, _ = receive(sock, left)
            if isinstance(reply, Instance):
                found[reply.port] = reply
    return [found[port] for port in sorted(found)]


def receive(sock: socket.socket, timeout: float) -> tuple[Instance | Ack | None, int]:
    """The next hello or ack on ``sock`` within ``timeout`` seconds and the port it came from;
    ``(None, 0)`` on junk or silence."""
    ready, _, _ = select.select([sock], [], [], max(0.0, timeout))
    if not ready:
        return None, 0
    try:
        data, (host, port) = sock.recvfrom(_BUFFER)
    except (BlockingIOError, ConnectionError):  # Windows reports an unreachable port here
        return None, 0
    return (read_reply(data), port) if host == HOST else (None, 0)


class AnnouncementListener:
    """The instances announcing themselves on 127.0.0.1:47800, kept up to date.

    :meth:`start` returns False when another program holds the port (a second app simply
    does not get announcements; it still finds instances by pinging). ``clock`` is injectable
    so a test can age the table.
    """

    def __init__(self, port: int = ANNOUNCE_PORT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.port = port
        self.clock = clock
        self._seen: dict[str, tuple[Instance, float]] = {}
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Listen, from a thread of its own; False when the port is taken."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((HOST, self.port))
        except OSError:
            sock.close()
            return False
        self._sock = sock
        self._thread = threading.Thread(target=self._run, name="stepista-announcements",
                                        daemon=True)
        self._thread.start()
        return True

    @property
    def listening(self) -> bool:
        return self._sock is not None

    def heard(self, instance: Instance) -> None:
        """Note an instance as seen now (the listener's thread calls it for each hello)."""
        with self._lock:
            self._seen[instance.id] = (instance, self.clock())

    def instances(self) -> list[Instance]:
        """The instances heard within the last :data:`FORGET_S` seconds, by port."""
        now = self.clock()
        with self._lock:
            self._seen = {k: v for k, v in self._seen.items() if now - v[1] < FORGET_S}
            return sorted((i for i, _ in self._seen.values()), key=lambda i: i.port)

    def close(self) -> None:
        if self._thread is not None:
            self._wake_w.send(b"x")
            self._thread.join(timeout=2)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._wake_r.close()
        self._wake_w.close()

    def _run(self) -> None:
        while True:
            ready, _, _ = select.select([self._sock, self._wake_r], [], [])
            if self._wake_r in ready:
                return
            reply, _ = receive(self._sock, 0)
            if isinstance(reply, Instance):
                self.heard(reply)

    def __enter__(self) -> "AnnouncementListener":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# -- naming an instance ----------------------------------------------------------------------

def port_of(target: str) -> int | None:
    """The port of a ``#PORT`` target, or None for a name or id.

    >>> port_of("#47801"), port_of("Drums")
    (47801, None)
    """
    if not target.startswith("#"):
        return None
    digits = target[1:]
    if not digits.isdigit() or int(digits) not in PORTS:
        raise ValueError(f"plugin:{target}: expected #PORT with a port in {FIRST_PORT}-{LAST_PORT}"
                         f" (e.g. plugin:#{FIRST_PORT})")
    return int(digits)


def matches(target: str, instance: Instance) -> bool:
    """Whether ``target`` (a name, an id or ``#PORT``) names ``instance``."""
    port = port_of(target)
    if port is not None:
        return instance.port == port
    return target in (instance.id, instance.name)


def pick(target: str, instances: list[Instance]) -> Instance:
    """The one instance ``target`` names: by ``#PORT``, by id, by exact name, else by a
    name that differs only in case. A ``LookupError`` says what answered when none or
    several match."""
    port = port_of(target)
    if port is not None:
        found = [i for i in instances if i.port == port]
    else:
        found = [i for i in instances if i.id == target] or \
            [i for i in instances if i.name == target] or \
            [i for i in instances if i.name.casefold() == target.casefold()]
    if len(found) == 1:
        return found[0]
    if found:
        ports = ", ".join(f"#{i.port}" for i in found)
        raise LookupError(f"plugin:{target}: {len(found)} instances are named {target!r}"
                          f" ({ports}): rename one in its editor, or use plugin:ID or"
                          " plugin:#PORT")
    there = "; ".join(f"{i.name!r} (id {i.id}, #{i.port})" for i in instances)
    where = f"answered on {PORT_RANGE}"
    if not instances:
        raise LookupError(f"plugin:{target}: no Stepista plugin instance {where}; load the"
                          " plugin in your DAW (see `stepista ports`)")
    raise LookupError(f"plugin:{target}: no instance with that name, id or port {where};"
                      f" these did: {there}")


def instance_spec(instance: Instance, instances: list[Instance]) -> str:
    """The ``--output`` spec for an instance: ``plugin:NAME``, or ``plugin:ID`` when the
    name would not read back as this instance (shared, or not writable in a spec)."""
    name = instance.name
    shared = sum(i.name.casefold() == name.casefold() for i in instances) > 1
    unwritable = not name.strip() or name != name.strip() or "," in name or name.startswith("#")
    return f"plugin:{instance.id}" if shared or unwritable else f"plugin:{name}"
