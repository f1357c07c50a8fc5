"""The notification service's values: channels, and the socket and server it drives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from wrapupkit.emulator.core.timefmt import iso


__all__ = ["HEARTBEAT", "SOCKET_CLOSING", "EmuChannel", "Socket", "SocketServerLike"]

HEARTBEAT = {"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}}  # [3P]
SOCKET_CLOSING = {
    "topicName": "v2.system.socket_closing",
    "eventBody": {"message": "Socket closing"},
}  # [INF]


class Socket(Protocol):
    """One notification WebSocket (``websocket.Socket``), as the hub uses it."""

    channel_id: str
    silent: bool

    def send(self, payload: dict[str, Any]) -> bool: ...

    def close(self, code: int = 1000, reason: str = "") -> None: ...

    def drop(self) -> None: ...


class SocketServerLike(Protocol):
    @property
    def port(self) -> int: ...

    def stop(self) -> None: ...


@dataclass
class EmuChannel:
    id: str
    owner: str
    expires: float  # epoch seconds on the emulator clock
    last_used: float  # monotonic
    topics: list[str] = field(default_factory=list)
    socket: Socket | None = None
    connections: int = 0

    def json(self, host: str, port: int) -> dict[str, Any]:
        """``Channel``."""
        uri = f"ws://{host}:{port}/channels/{self.id}"
        return {"connectUri": uri, "id": self.id, "expires": iso(self.expires)}

    def info(self) -> dict[str, Any]:
        """What the control plane shows: id, owner, topics, expires, connected, connections."""
        return {
            "id": self.id,
            "owner": self.owner,
            "topics": list(self.topics),
            "expires": iso(self.expires),
            "connected": self.socket is not None,
            "connections": self.connections,
        }
