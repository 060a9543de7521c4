"""Against Langfuse Cloud's latency (~800 ms a full observations page): the share of the Pro plan the
sync reaches, and how much faster than one request at a time it reads without a plan. Issue 14.

    .venv/bin/python -m benchmarks.concurrency [--traces 12500] [--concurrency N] [--plan-scale K] [--no-plan-only]

One simulator in its own process (``serve --latency realistic``: per request 200 ms + 0.35 ms a row +
150 ms a MB, seeded jitter; see simulator/latency.py), the sync as CLI child processes
(``pipelines.cli sync --resources R ... [--concurrency N]``), each into a fresh DuckDB file:

1. Pro plan: the simulator enforces Cloud's Pro limits (public-api bucket: 1,000 requests a minute in fixed
   one-minute windows; simulator/ratelimit.py) and the sync paces for them (``--plan pro``).
   Observations, then scores, each a sync of its own with the plan's window counts reset before it.
   Ceilings: 1,000 requests/min × 1,000 observations a page = 16,667 rows/s, × 100 scores a page (the
   ``/v3/scores`` page size) = 1,667 scores/s. Reported: rows/s over the whole run (process start to
   exit) and over the fetch (first to last row served, sampled from /_sim/stats every second), each as a
   fraction of the ceiling; requests per minute against the plan's 1,000; 429s; the peak in flight.
   ``--plan-scale K`` scales the plan down to keep the run short: 1,000/K requests a minute on both
   sides (``/_sim/rate-limit maxRpm`` and the sync's ``--max-rpm``) with every latency multiplied by K,
   so that the requests that must be in flight to reach the limit (rate × latency, ~13 at K = 1) are
   the same, while 1/K of the pages fill the same minutes. K = 1 (default): the plan as it is.
2. No plan: observations with ``--concurrency 1`` (the serial sync) and with the sync's default (or
   ``--concurrency N``): rows/s of each and the ratio (issue 14's target: ≥ 8×).
3. No plan, a loaded self-hosted server (``--capacity N``, default 4: beyond N requests in flight every
   answer takes in-flight / N times as long): observations with ``--concurrency N`` and with the sync's
   default, which should settle near N in flight (sources/langfuse/server_load.py) at about N's rows/s.
Peak RSS of every sync child (``wait4``; target ≤ 400 MB).

Until the sync accepts ``--concurrency`` (``sync --help``), only the serial sync can run: part 1 then
measures it under the plan and part 2 has no concurrent run to compare; the output says so.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from benchmarks.harness import ROOT, SYNC_MODULE, SimulatorProcess, machine, run_child, shown, sync_command
from simulator.latency import Latency

PLAN_RPM = 1_000  # Pro, public-api bucket (observations and scores)
PAGE_ROWS = {"observations": 1_000, "scores": 100}
ROUTE_PART = {"observations": "/v2/observations", "scores": "/v3/scores"}


def cli_accepts_concurrency() -> bool:
    shown_help = subprocess.run([sys.executable, "-m", SYNC_MODULE, "sync", "--help"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout
    return "--concurrency" in shown_help


@dataclass
class Measured:
    resource: str
    rows: int
    seconds: float  # the CLI process, start to exit
    fetch_seconds: float  # first to last row served
    requests: int  # answered by the simulator
    rate_limited: int
    peak_in_flight: int
    median_in_flight: float  # sampled every second while rows were being served
    peak_rss_mb: float
    command: list[str]

    @property
    def rate(self) -> float:
        return self.rows / self.seconds

    @property
    def fetch_rate(self) -> float:
        return self.rows / self.fetch_seconds if self.fetch_seconds > 0 else float("nan")


def _rows_served(stats: dict, resource: str) -> int:
    return sum(n for route, n in stats["rowsServed"].items() if ROUTE_PART[resource] in route)


def measure(sim: SimulatorProcess, resource: str, workdir: Path, extra: list[str]) -> Measured:
    sim.control("stats/reset", {})
    samples: list[tuple[float, int]] = []
    in_flight: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            stats = sim.stats()
            samples.append((time.monotonic(), _rows_served(stats, resource)))
            if samples[-1][1]:
                in_flight.append(stats["inFlight"])
            stop.wait(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    run = run_child(sync_command(workdir, *extra, resources=resource), sim.base_url)
    stop.set()
    sampler.join()
    stats = sim.stats()
    rows = _rows_served(stats, resource)
    moving = [t for (t, r), (_, before) in zip(samples[1:], samples, strict=False) if r != before]
    started = next((t for t, r in samples if r > 0), None)
    fetch = (max(moving) - started) if moving and started is not None else 0.0
    return Measured(resource, rows, run.seconds, fetch, stats["total"], stats["rateLimited"],
                    stats["peakInFlight"], statistics.median(in_flight) if in_flight else 0.0, run.peak_rss_mb,
                    run.command)


def show(label: str, m: Measured, ceiling: float | None = None) -> None:
    line = (f"{label}: {m.rows:,} {m.resource} in {m.seconds:.1f}s = {m.rate:,.0f} rows/s whole run, "
            f"{m.fetch_rate:,.0f} rows/s over the fetch ({m.fetch_seconds:.0f}s)")
    if ceiling:
        line += f" = {m.rate / ceiling:.3f} / {m.fetch_rate / ceiling:.3f} of the ceiling ({ceiling:,.0f} rows/s)"
    print(line)
    rpm = m.requests / m.seconds * 60
    print(f"    {m.requests} requests ({rpm:,.0f}/min), 429s: {m.rate_limited}, in flight: peak {m.peak_in_flight}, "
          f"median {m.median_in_flight:g}; peak RSS {m.peak_rss_mb:,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--traces", type=int, default=12_500, help="simulator size (≈ 8 observations a trace)")
    parser.add_argument("--concurrency", type=int, help="for the concurrent runs (default: the sync's own default)")
    parser.add_argument("--plan-scale", type=int, default=1, help="divide the plan's limit, multiply the latency")
    parser.add_argument("--no-plan-only", action="store_true", help="parts 2 and 3 only: no plan")
    parser.add_argument("--capacity", type=int, default=4,
                        help="part 3: the loaded server answers this many at once at full speed (0: skip part 3)")
    args = parser.parse_args()
    concurrent = cli_accepts_concurrency()
    scale = args.plan_scale
    rpm = PLAN_RPM // scale
    latency = Latency.realistic()
    print(f"machine: {machine()}; date: {date.today()}")
    page_ms = latency.seconds(1000, 1_670_000) * scale * 1000
    scores_ms = latency.seconds(100, 30_000) * scale * 1000
    print(f"simulator latency: {latency.to_json()} × {scale} (~{page_ms:.0f} ms a 1,000-row observations page, "
          f"~{scores_ms:.0f} ms a 100-row scores page)")
    if concurrent:
        chosen = f"--concurrency {args.concurrency}" if args.concurrency else "the sync's default concurrency"
        print(f"the sync accepts --concurrency: concurrent runs use {chosen}")
    else:
        print("the sync does NOT accept --concurrency yet: every run below is the serial sync")
    extra = ["--concurrency", str(args.concurrency)] if concurrent and args.concurrency else []
    if scale == 1:
        plan_flags, limit_body, plan_said = ["--plan", "pro"], {"plan": "pro"}, "Pro plan as it is"
    else:
        plan_flags, limit_body = ["--max-rpm", str(rpm)], {"maxRpm": rpm}
        plan_said = f"Pro plan scaled down {scale}×: {rpm} requests/min, latency × {scale}"
    runs: list[Measured] = []
    with SimulatorProcess(args.traces) as sim, tempfile.TemporaryDirectory() as tmp:
        scaled = {k: v * scale if k != "jitter" else v for k, v in latency.to_json().items()}
        sim.control("latency", scaled)
        print(f"\n1. {plan_said} ({PLAN_RPM // scale:,} requests/min, one-minute windows):")
        if args.no_plan_only:
            print("  not run (--no-plan-only)")
        for resource in () if args.no_plan_only else ("observations", "scores"):
            sim.control("rate-limit", limit_body)  # a fresh window count for each sync
            m = measure(sim, resource, Path(tmp) / f"plan-{resource}", plan_flags + extra)
            runs.append(m)
            show(f"  {resource}", m, rpm / 60 * PAGE_ROWS[resource])
        sim.control("rate-limit", {"plan": None})
        sim.control("latency", {"preset": "realistic"})
        print("\n2. No plan, Cloud's latency:")
        serial_flags = ["--concurrency", "1"] if concurrent else []
        serial = measure(sim, "observations", Path(tmp) / "serial", serial_flags)
        runs.append(serial)
        show("  serial sync", serial)
        if concurrent:
            parallel = measure(sim, "observations", Path(tmp) / "concurrent", extra)
            runs.append(parallel)
            show("  concurrent sync", parallel)
            print(f"  concurrent / serial: {parallel.rate / serial.rate:.1f}× whole run, "
                  f"{parallel.fetch_rate / serial.fetch_rate:.1f}× over the fetch (target ≥ 8×)")
        else:
            print("  concurrent sync: not run (no --concurrency in this sync)")
        if concurrent and args.capacity:
            print(f"\n3. No plan, a loaded self-hosted server: Cloud's latency while at most {args.capacity} requests "
                  f"are in flight, each answer in-flight/{args.capacity} times slower beyond:")
            sim.control("latency", {"preset": "realistic", "capacity": args.capacity})
            for label, flags in ((f"--concurrency {args.capacity}", ["--concurrency", str(args.capacity)]),
                                 ("the sync's default", extra)):
                m = measure(sim, "observations", Path(tmp) / f"loaded-{len(runs)}", flags)
                runs.append(m)
                show(f"  {label}", m)
            sim.control("latency", {"preset": "realistic"})
    print(f"\npeak RSS, largest of the {len(runs)} syncs: {max(m.peak_rss_mb for m in runs):,.0f} MB (target ≤ 400)")
    print("commands (LANGFUSE_HOST=... prefixed):")
    for m in runs:
        print(f"  {shown(m.command)}")


if __name__ == "__main__":
    main()
