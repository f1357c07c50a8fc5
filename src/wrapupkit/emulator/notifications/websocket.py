"""The notification WebSocket endpoint: websockets' sync server on its own 127.0.0.1 port (private).

Imported only when the first notification channel is created, so ``import wrapupkit.emulator`` works
without ``websockets`` installed.  One handler thread per connection; frames are sent from any thread
through :class:`Socket`, which serialises sends and ignores a peer that has gone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections.abc import Callable
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as WsRequest
from websockets.http11 import Response as WsResponse
from websockets.sync.server import Server, ServerConnection, serve


__all__ = ["Socket", "SocketServer"]

_log = logging.getLogger("wrapupkit.emulator")
_PATH = re.compile(r"/channels/(?P<channel_id>[^/?#]+)")


class Socket:
    """One WebSocket, attached to its channel during the handshake: frames sent before the handshake
    completes are queued and go out first, as a server that delivers from the moment it accepts.

    Thread-safe JSON sends, a *silent* switch, polite close and abrupt drop.
    """

    def __init__(self, connection: ServerConnection, channel_id: str) -> None:
        self.connection = connection
        self.channel_id = channel_id
        self.silent = False
        """When set, nothing more is sent (heartbeats and events vanish): a socket gone quiet."""
        self._lock = threading.Lock()
        self._open = False
        self._backlog: list[str] = []

    def opened(self) -> None:
        """The handshake is done: send what was queued."""
        with self._lock:
            self._open = True
            backlog, self._backlog = self._backlog, []
            for text in backlog:
                with contextlib.suppress(ConnectionClosed, OSError, RuntimeError):
                    self.connection.send(text)

    def send(self, payload: dict[str, Any]) -> bool:
        """Send one JSON text frame; False when the socket is silent or closed."""
        if self.silent:
            return False
        text = json.dumps(payload, separators=(",", ":"))
        with self._lock:
            if not self._open:
                self._backlog.append(text)
                return True
            try:
                self.connection.send(text)
            except (ConnectionClosed, OSError, RuntimeError):
                return False
        return True

    def close(self, code: int = 1000, reason: str = "") -> None:
        """A closing handshake (waits briefly for the peer's answer)."""
        with contextlib.suppress(ConnectionClosed, OSError, RuntimeError):
            self.connection.close(code, reason)

    def drop(self) -> None:
        """Close the TCP connection without a close frame (the client sees code 1006)."""
        with contextlib.suppress(OSError, RuntimeError):
            self.connection.close_socket()


class SocketServer:
    """Serves ``/channels/{id}`` on *host* (a free port) in a daemon thread.

    Args:
        admit: called with the channel id during the handshake; returns None to accept, or
            ``(status, text)`` to refuse with that HTTP answer.
        attach: called with each accepted :class:`Socket` before frames are read.
        detach: called when a socket's connection has ended.
        on_text: called with ``(socket, text)`` for each text frame the client sends.
    """

    def __init__(
        self,
        host: str,
        *,
        admit: Callable[[str], tuple[int, str] | None],
        attach: Callable[[Socket], None],
        detach: Callable[[Socket], None],
        on_text: Callable[[Socket, str], None],
    ) -> None:
        self._admit = admit
        self._attach = attach
        self._detach = detach
        self._on_text = on_text
        self._server: Server = serve(
            self._handle,
            host,
            0,
            process_request=self._process_request,
            compression=None,
            close_timeout=1.0,
            server_header="wrapupkit-emulator",
            logger=logging.getLogger("wrapupkit.emulator.websocket"),
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="wrapupkit-emulator-ws", daemon=True
        )
        self._accepted: dict[int, Socket] = {}
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self._server.socket.getsockname()[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, close every open socket (1001) and wait for the handlers."""
        self._server.shutdown()
        self._thread.join(timeout=5)

    def _process_request(self, connection: ServerConnection, request: WsRequest) -> WsResponse | None:
        found = _PATH.fullmatch(request.path.split("?", 1)[0])
        if found is None:
            return connection.respond(404, "Not found\n")
        refused = self._admit(found["channel_id"])
        if refused is not None:
            return connection.respond(refused[0], refused[1] + "\n")
        socket = Socket(connection, found["channel_id"])
        with self._lock:
            self._accepted[id(connection)] = socket
        self._attach(socket)  # events from now on reach this socket
        return None

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            socket = self._accepted.pop(id(connection), None)
        if socket is None:  # process_request refused it already
            return
        socket.opened()
        try:
            for message in connection:
                if isinstance(message, str):
                    self._on_text(socket, message)
        except ConnectionClosed:
            pass
        except Exception:  # noqa: BLE001 (an emulator bug must not kill the server thread)
            _log.exception("notification socket handler failed")
        finally:
            self._detach(socket)
