"""One thread that cuts sockets at their give-up times, so no request needs a timer thread of its own.

urllib3's read timeout bounds each socket read, not the whole answer: a server sending the status
line and headers a byte at a time could hold a request far past its deadline.  The transport
registers the socket for the time the head is read (:meth:`Watchdog.watching`); if the give-up
time comes first, the watchdog shuts the socket down and the read fails at once.  Strictly private.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator


__all__ = ["WATCHDOG", "Watchdog"]


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """Shuts registered sockets down at their give-up times (real seconds, ``time.monotonic``)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, socket.socket]] = []
        self._done: set[int] = set()
        self._keys = itertools.count()
        self._thread: threading.Thread | None = None

    @contextlib.contextmanager
    def watching(self, sock: socket.socket, at: float) -> Iterator[None]:
        """Cut *sock* at *at* unless the block has ended by then."""
        with self._cond:
            key = next(self._keys)
            heapq.heappush(self._heap, (at, key, sock))
            if self._thread is None or not self._thread.is_alive():  # first use, or after a fork
                self._thread = threading.Thread(target=self._run, name="wrapupkit-watchdog", daemon=True)
                self._thread.start()
            elif self._heap[0][1] == key:  # earlier than what the thread waits for
                self._cond.notify()
        try:
            yield
        finally:
            with self._cond:
                self._done.add(key)
                self._prune()

    def _prune(self) -> None:
        """Drop finished entries from the top of the heap (requests mostly end in the order they began)."""
        while self._heap and self._heap[0][1] in self._done:
            self._done.discard(heapq.heappop(self._heap)[1])

    def _run(self) -> None:
        with self._cond:
            while True:
                self._prune()
                if not self._heap:
                    self._cond.wait()
                    continue
                at, _key, sock = self._heap[0]
                left = at - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                heapq.heappop(self._heap)
                _cut(sock)


WATCHDOG = Watchdog()
"""The process's one watchdog."""
