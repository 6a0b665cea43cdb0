"""What every use case may need from its surroundings: the one clock and the public address
(for links in emails). Built once by the app or the worker and passed in."""

from __future__ import annotations

from dataclasses import dataclass

from returns_service.clock import Clock


@dataclass(frozen=True, slots=True)
class Runtime:
    clock: Clock
    public_url: str = "http://127.0.0.1:8000"

    def case_link(self, number: str) -> str:
        """Where a customer follows their case (the portal asks them to sign in first)."""
        return f"{self.public_url}/portal"
