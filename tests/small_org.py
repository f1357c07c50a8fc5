"""A small emulated org shared by the bulk and CLI tests."""

from __future__ import annotations

from typing import Any

from wrapupkit.emulator import Emulator


SECRET = "TOP-SECRET-NOTES do not leak"


class Org:
    """An emulated org with one queue, two codes and an agent."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.sale = emu.add_code("Sale")
        self.no_sale = emu.add_code("No Sale")
        # MANDATORY: no ACW timeout, so fake time spent waiting for the rate limit cannot expire ACW.
        self.queue = emu.add_queue("Support", codes=[self.sale, self.no_sale], wrapup_prompt="MANDATORY")
        self.user = emu.add_user("Ada")

    def conversation(self, **kwargs: Any) -> str:
        return str(self.emu.add_conversation(user_id=self.user, queue_id=self.queue, **kwargs).id)

    def conversations(self, n: int) -> list[str]:
        return [self.conversation() for _ in range(n)]

    def posts(self, conversation_id: str | None = None) -> int:
        path = f"{conversation_id}/.*wrapup" if conversation_id else "wrapup"
        return len(self.emu.requests_matching("POST", path))
