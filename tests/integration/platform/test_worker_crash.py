"""The outbox worker killed mid-delivery: a real `returns_service worker` process sends to an
SMTP sink run by this test, which holds one message unanswered; the worker is SIGKILLed right
then, and a fresh worker process delivers everything, each message under its event id. Only the
message in flight may arrive twice (at-least-once), and then with the same event id. Loopback
only; every wait has a deadline; the worker processes always end."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import sys
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import pytest

from returns_service.clock import SystemClock
from returns_service.db.engine import DB
from returns_service.db.tables import OutboxMessage
from returns_service.domain.emails import EmailTemplate
from returns_service.services.platform.outbox import enqueue_email
from returns_service.services.store.stores import ensure_default_store

MESSAGES = 10
STALL_ON = 3  # the sink holds the 3rd message it is sent
LOCK_SECONDS = 3  # the dead worker's claim expires this soon (120 s by default)

Stall = Literal["data", "quit"]


@dataclass(frozen=True, slots=True)
class Received:
    event_id: str | None  # X-Event-Id
    message_id: str | None
    at: datetime
    accepted: bool  # the sink answered 250 to the end of DATA


class SmtpSink:
    """Just enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) to receive mail, on
    127.0.0.1. On the STALL_ON-th message it stops answering until `release` is set: either
    after reading the whole message ("data": not accepted, the sender waits for the 250) or
    after accepting it ("quit": the sender waits for the reply to QUIT)."""

    def __init__(self, stall: Stall) -> None:
        self.stall = stall
        self.received: list[Received] = []
        self.data_started = 0  # DATA commands answered with 354
        self.in_flight: Received | None = None  # the message held when the sender was killed
        self.stalled = asyncio.Event()
        self.release = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self.release.set()
        if self._server is not None:
            self._server.close()
            await asyncio.wait_for(self._server.wait_closed(), 10)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hold_quit = False
        try:
            writer.write(b"220 sink ESMTP\r\n")
            while line := await reader.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    writer.write(b"250-sink\r\n250 8BITMIME\r\n")
                elif verb == b"HELO":
                    writer.write(b"250 sink\r\n")
                elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                    writer.write(b"250 OK\r\n")
                elif verb == b"DATA":
                    self.data_started += 1
                    number = self.data_started
                    writer.write(b"354 go ahead\r\n")
                    await writer.drain()
                    raw = await _read_data(reader)
                    if raw is None:
                        return  # the sender went away mid-message
                    held = number == STALL_ON
                    message = email.message_from_bytes(raw)
                    received = Received(
                        event_id=message["X-Event-Id"],
                        message_id=message["Message-ID"],
                        at=datetime.now(UTC),
                        accepted=not (held and self.stall == "data"),
                    )
                    self.received.append(received)
                    if held:
                        self.in_flight = received
                        if self.stall == "data":
                            await self._hold()  # no 250: the message is not accepted
                            return
                        hold_quit = True
                    writer.write(b"250 queued\r\n")
                elif verb == b"QUIT":
                    if hold_quit:
                        await self._hold()  # accepted, but the sender never hears QUIT's reply
                        return
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    return
                else:
                    writer.write(b"502 not implemented\r\n")
                await writer.drain()
        finally:
            writer.close()

    async def _hold(self) -> None:
        self.stalled.set()
        await self.release.wait()


async def _read_data(reader: asyncio.StreamReader) -> bytes | None:
    """The message after DATA, up to the lone dot, with dot-stuffing undone."""
    lines: list[bytes] = []
    while line := await reader.readline():
        if line == b".\r\n":
            return b"".join(lines)
        lines.append(line[1:] if line.startswith(b"..") else line)
    return None


async def start_worker(env: dict[str, str], log: Path, *args: str) -> asyncio.subprocess.Process:
    with log.open("wb") as stderr:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "returns_service",
            "worker",
            *args,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
        )


async def unless_it_exits(
    work: Awaitable[object], worker: asyncio.subprocess.Process, log: Path, limit: float
) -> None:
    """Wait for `work`, within `limit` seconds, failing at once if the worker exits."""
    task = asyncio.ensure_future(work)
    exited = asyncio.ensure_future(worker.wait())
    try:
        done, _ = await asyncio.wait({task, exited}, timeout=limit, return_when="FIRST_COMPLETED")
    finally:
        exited.cancel()
        task.cancel()
    assert task in done, f"worker exit code {worker.returncode}:\n{tail(log)}"
    task.result()


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:]


async def end(worker: asyncio.subprocess.Process | None) -> None:
    if worker is not None and worker.returncode is None:
        worker.kill()
        await asyncio.wait_for(worker.wait(), 10)


async def outbox_rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = await OutboxMessage.select().order_by(OutboxMessage.id)
    return rows


@pytest.mark.parametrize("stall", ["data", "quit"])
async def test_a_worker_killed_mid_delivery_loses_nothing(
    db: None, database_url: str, tmp_path: Path, stall: Stall
) -> None:
    clock = SystemClock()  # the worker processes run on the real clock too
    store = await ensure_default_store("Crash Store", "UTC", clock)
    async with DB.transaction():
        queued = [
            str(
                await enqueue_email(
                    store_id=store.id,
                    case_id=None,
                    template=EmailTemplate.CASE_RECEIVED,
                    recipient=f"customer{n}@example.com",
                    language=("ro", "en", "de")[n % 3],
                    clock=clock,
                    first_name=f"Ana {n}",
                    case_number=f"R-{1000 + n}",
                    store="Crash Store",
                )
            )
            for n in range(MESSAGES)
        ]
    rows = await outbox_rows()
    assert [str(r["event_id"]) for r in rows] == queued  # stored, in order, each with its id
    assert len(set(queued)) == MESSAGES

    sink = SmtpSink(stall)
    port = await sink.start()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RETURNS_SMTP_HOST": "127.0.0.1",
        "RETURNS_SMTP_PORT": str(port),
        "RETURNS_SMTP_TLS": "none",
        "RETURNS_SMTP_USERNAME": "",
        "RETURNS_SMTP_PASSWORD": "",
        "RETURNS_OUTBOX_LOCK_SECONDS": str(LOCK_SECONDS),
        "RETURNS_LOG_LEVEL": "WARNING",
    }
    first = second = None
    try:
        first_log = tmp_path / "worker-1.log"
        first = await start_worker(env, first_log, "--interval", "0.2")
        # The sink holds the 3rd message; the worker waits for its answer (up to its 30 s
        # SMTP timeout, far longer than this takes): it is now mid-delivery.
        await unless_it_exits(sink.stalled.wait(), first, first_log, limit=60)
        os.kill(first.pid, signal.SIGKILL)
        assert await asyncio.wait_for(first.wait(), 10) == -signal.SIGKILL
        sink.release.set()

        assert sink.in_flight is not None and sink.data_started == STALL_ON
        in_flight = sink.in_flight.event_id
        assert in_flight == queued[STALL_ON - 1]
        after_kill = await outbox_rows()
        delivered_before = [str(r["event_id"]) for r in after_kill if r["delivered_at"]]
        assert delivered_before == queued[: STALL_ON - 1]
        rest = after_kill[STALL_ON - 1 :]
        # the dead worker had claimed the rest of its batch and recorded nothing for it
        assert all(r["locked_until"] and r["attempts"] == 0 for r in rest)
        claim_expires = after_kill[STALL_ON - 1]["locked_until"]
        assert isinstance(claim_expires, datetime)

        # The dead worker's claim blocks a retry until it expires: wait for that instant (read
        # from the database above), then one pass of a fresh worker process delivers the rest.
        await asyncio.sleep(max(0.0, (claim_expires - datetime.now(UTC)).total_seconds()))
        second_log = tmp_path / "worker-2.log"
        second = await start_worker(env, second_log, "--once")
        assert await asyncio.wait_for(second.wait(), 60) == 0, tail(second_log)
    finally:
        await end(first)
        await end(second)
        await sink.stop()

    rows = await outbox_rows()
    assert all(r["delivered_at"] and not r["failed_at"] for r in rows)
    assert [r["attempts"] for r in rows] == [1] * MESSAGES  # each marked delivered once
    assert all(r["locked_until"] is None for r in rows)

    # Every message the sink saw carries its event id, also as its Message-ID.
    assert all(m.event_id for m in sink.received)
    assert all(m.message_id == f"<{m.event_id}@returns-concierge>" for m in sink.received)
    seen = Counter(m.event_id for m in sink.received)
    assert set(seen) == set(queued)
    # Only the message in flight came twice, under the same event id; the rest exactly once.
    assert {event: n for event, n in seen.items() if n != 1} == {in_flight: 2}
    # Oldest first: two before the crash, then the held one again and the rest, in order.
    assert [m.event_id for m in sink.received] == queued[:STALL_ON] + queued[STALL_ON - 1 :]
    accepted = Counter(m.event_id for m in sink.received if m.accepted)
    assert set(accepted) == set(queued)
    expected_twice = {in_flight: 2} if stall == "quit" else {}  # accepted, then sent again
    assert {event: n for event, n in accepted.items() if n != 1} == expected_twice
    # It was sent again only once the dead worker's claim had expired, not before.
    retried = [m for m in sink.received if m.event_id == in_flight][1]
    assert retried.at >= claim_expires
