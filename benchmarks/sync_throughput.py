"""Observations sync throughput next to the raw page-fetch ceiling of the same server, in one run.

    .venv/bin/python benchmarks/sync_throughput.py [--traces 25000] [--concurrency N]

Starts the simulator in its own process (so its memory is not counted), measures the ceiling (a bare
httpx loop fetching and JSON-parsing every page of /v2/observations, 1,000 rows a page, all field
groups), then runs `langfuse-warehouse sync --resources observations` into a fresh DuckDB file in a
child process and reports rows/s, the ratio to the ceiling, requests per 1,000 rows and the sync's
peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sources.langfuse.paging import PageSize  # noqa: E402

FIELDS = "core,basic,time,io,metadata,model,usage,prompt,metrics,trace_context"
KEYS = ("pk-lf-demo", "sk-lf-demo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_simulator(traces: int, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", str(port), "--traces", str(traces)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/public/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("the simulator did not start")


def fetch_ceiling(base_url: str) -> tuple[int, float, int]:
    """Every page as fast as a bare client can fetch them; a page over the simulator's response cap
    (422) is asked for again smaller, as the sync does (``PageSize``)."""
    rows = requests = 0
    size = PageSize(1000)
    started = time.perf_counter()
    with httpx.Client(base_url=base_url, auth=KEYS, timeout=120) as client:
        cursor = None
        while True:
            params = {"fields": FIELDS, "limit": size.limit, "fromStartTime": "2023-01-01T00:00:00.000Z"}
            if cursor:
                params["cursor"] = cursor
            response = client.get("/api/public/v2/observations", params=params)
            requests += 1
            if response.status_code == 422 and size.shrink():
                continue
            response.raise_for_status()
            body = orjson.loads(response.content)
            size.passed(len(body["data"]))
            rows += len(body["data"])
            cursor = body["meta"].get("cursor")
            if not cursor:
                break
    return rows, time.perf_counter() - started, requests


def run_sync(base_url: str, workdir: Path, extra: list[str]) -> tuple[float, str]:
    env = {**os.environ, "LANGFUSE_HOST": base_url, "LANGFUSE_PUBLIC_KEY": KEYS[0], "LANGFUSE_SECRET_KEY": KEYS[1]}
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "sync", "--resources", "observations", "--api", "v4",
         "--settle-delay", "0s", "--database", str(workdir / "bench.duckdb"),
         "--pipelines-dir", str(workdir / "dlt"), *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )
    return time.perf_counter() - started, out.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--traces", type=int, default=25_000)
    parser.add_argument("--concurrency", type=int, help="the sync's --concurrency (default: its own default)")
    args = parser.parse_args()
    extra = ["--concurrency", str(args.concurrency)] if args.concurrency else []
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    simulator = start_simulator(args.traces, port)
    try:
        rows, ceiling_s, ceiling_requests = fetch_ceiling(base_url)
        with tempfile.TemporaryDirectory() as tmp:
            sync_s, output = run_sync(base_url, Path(tmp), extra)
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    finally:
        simulator.terminate()
        simulator.wait()
    requests = next((int(w) for line in output.splitlines() if "requests" in line
                     for w, nxt in zip(line.split(), line.split()[1:], strict=False) if nxt.startswith("requests")), 0)
    ceiling = rows / ceiling_s
    synced = rows / sync_s
    print(f"observations:                {rows:,}")
    print(f"raw fetch ceiling:           {ceiling:,.0f} rows/s ({ceiling_s:.1f}s, {ceiling_requests} requests)")
    print(f"sync (process start to end): {synced:,.0f} rows/s ({sync_s:.1f}s)")
    print(f"sync / ceiling:              {synced / ceiling:.2f}")
    print(f"requests per 1,000 rows:     {1000 * requests / rows:.2f} ({requests} requests incl. project lookup and API probe)")
    print(f"sync peak RSS:               {peak_rss_mb:,.0f} MB")


if __name__ == "__main__":
    main()
