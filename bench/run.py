"""Benchmark: the service on the embedded PostgreSQL, loaded by wrk from a separate process.

    python bench/run.py [--workers 1] [--duration 10] [--connections 32]

Each endpoint's requests/s is quoted as a ratio to a ceiling measured in the same run: an
endpoint of the same app that does one primary-key SELECT with raw asyncpg (mounted only with
RETURNS_BENCH=true). Writes bench/results/latest.json and bench/results/latest.md.
Needs `wrk` (Debian: apt-get install wrk). Loopback only; every run is bounded in time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TARGETS = {"portal_order": 0.60, "create_case": 0.25, "warehouse_scan": 0.50, "agent_queue": 0.50}


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


def wait_ready(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the service did not become ready")


def lua_rotating(method: str, path: str, headers: list[str], bodies: list[str] | None) -> str:
    """A wrk script that rotates Authorization headers (and bodies) across requests."""
    quoted = ",".join(json.dumps(h) for h in headers)
    body_list = ",".join(json.dumps(b) for b in bodies) if bodies else ""
    return f"""
local auth = {{{quoted}}}
local bodies = {{{body_list}}}
local i = 0
wrk.method = "{method}"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  local k = (i % #auth) + 1
  wrk.headers["Authorization"] = auth[k]
  local body = nil
  if #bodies > 0 then body = bodies[k] end
  return wrk.format(nil, "{path}", nil, body)
end
"""


def run_wrk(
    base: str, script: str, duration: int, connections: int, threads: int
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
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
    os.unlink(handle.name)

    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "errors": int(non2xx.group(1)) if non2xx else 0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--customers", type=int, default=64)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    data = Path(tempfile.mkdtemp(prefix="returns-bench-"))
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
    print(f"data in {data}; loading the demo store", file=sys.stderr)
    demo = cli(env, "demo")
    lead = re.search(r"^\s+lead .*?(rs_\S+)$", demo, re.M).group(1)  # type: ignore[union-attr]
    station = re.search(r"^\s+warehouse station\s+(rs_\S+)$", demo, re.M).group(1)  # type: ignore[union-attr]
    admin = cli(env, "tokens", "create", "--role", "admin", "--name", "bench").strip()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "returns_service",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(base)
        http = httpx.Client(base_url=base, timeout=30)
        h_admin = {"Authorization": f"Bearer {admin}"}
        portal_auth, create_bodies = [], []
        for n in range(args.customers):
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
                        "delivered_at": time.strftime(
                            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 86400)
                        ),
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
        first = http.post(
            "/api/v1/portal/returns",
            content=create_bodies[0],
            headers={"Authorization": portal_auth[0], "content-type": "application/json"},
        ).json()
        barcode = first["label"]["tracking_number"]
        http.post(
            "/api/v1/warehouse/scans",
            json={"barcode": barcode},
            headers={"Authorization": f"Bearer {station}"},
        ).raise_for_status()
        order_id = 1

        scenarios = {
            "ceiling": lua_rotating("GET", f"/bench/ceiling/{order_id}", ["Bearer none"], None),
            "portal_order": lua_rotating("GET", "/api/v1/portal/order", portal_auth, None),
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
        }
        results: dict[str, dict[str, float]] = {}
        for name, script in scenarios.items():
            print(f"wrk {name} ...", file=sys.stderr)
            results[name] = run_wrk(base, script, args.duration, args.connections, args.threads)
        ceiling = results["ceiling"]["rps"]
        for name, result in results.items():
            result["ratio"] = round(result["rps"] / ceiling, 3) if ceiling else float("nan")
            if name in TARGETS:
                result["target"] = TARGETS[name]
        processes = [
            psutil.Process(server.pid),
            *psutil.Process(server.pid).children(recursive=True),
        ]
        rss = {
            f"{p.name()}:{p.pid}": round(p.memory_info().rss / 2**20, 1)
            for p in processes
            if p.is_running()
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
        # the embedded PostgreSQL outlives the CLI processes that shared it: stop it too
        for process in psutil.process_iter(["cmdline"]):
            if str(data) in " ".join(process.info["cmdline"] or []):
                process.terminate()

    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": vars(args),
        "results": results,
        "rss_mb": rss,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        f"Run {report['when']} on {os.cpu_count()} CPUs, {args.workers} API worker(s), "
        f"wrk {args.threads} threads x {args.connections} connections x {args.duration}s.",
        "",
        "| endpoint | requests/s | p50 ms | p99 ms | ratio to ceiling | target | non-2xx |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        target = f"≥ {r['target']:.0%}" if "target" in r else "—"
        lines.append(
            f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} "
            f"| {r['ratio']:.0%} | {target} | {int(r['errors'])} |"
        )
    lines += ["", "Peak RSS per process (MB): " + ", ".join(f"{k} {v}" for k, v in rss.items())]
    (RESULTS / "latest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
