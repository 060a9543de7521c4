"""Against a simulator enforcing the Pro plan (1,000 requests/minute): observation rows/s as a fraction of
the plan's ceiling (target ≥ 0.9), with zero 429s.

    .venv/bin/python benchmarks/plan_rate_limit.py [--traces 125000]

Ceiling: 1,000 requests/minute × 1,000 observations per page = 16,667 rows/s. The simulator (its own
process, `serve --plan pro`, fixed one-minute windows as Langfuse Cloud counts them) must hold at least
a minute of pages at that rate for the window to bind: 125,000 traces ≈ 1,010 pages. The CLI backfills
observations with `--plan pro`; a sampler reads /_sim/stats every second, so besides the whole run
(process start to exit, interpreter and dlt start-up included) the script reports the steady rate: the
best and the median rows/s over sliding 60-second spans of the fetch.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from benchmarks.harness import SimulatorProcess, machine, run_child, shown, sync_command

PLAN_RPM = 1_000
PAGE_ROWS = 1_000
CEILING = PLAN_RPM * PAGE_ROWS / 60  # rows/s
SPAN_S = 60


def sample(sim: SimulatorProcess, stop: threading.Event, samples: list[tuple[float, int, int]]) -> None:
    while not stop.is_set():
        stats = sim.stats()
        rows = sum(n for route, n in stats["rowsServed"].items() if "observations" in route)
        samples.append((time.monotonic(), rows, stats["rateLimited"]))
        stop.wait(1.0)


def span_rates(samples: list[tuple[float, int, int]]) -> list[float]:
    """rows/s over every SPAN_S-second span that lies wholly between the first and the last page served."""
    last_rows = samples[-1][1]
    fetching = [(t, r) for t, r, _ in samples if 0 < r < last_rows]
    rates = []
    for i, (t0, r0) in enumerate(fetching):
        end = next(((t, r) for t, r in fetching[i:] if t - t0 >= SPAN_S), None)
        if end is not None:
            rates.append((end[1] - r0) / (end[0] - t0))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--traces", type=int, default=125_000)
    args = parser.parse_args()
    print(f"machine: {machine()}; date: {date.today()}")
    # Without latency: this measures the pacer against a server that answers at once (a page in a few
    # ms, so one request in flight is enough to reach the plan). With Cloud's latency, several requests
    # must be in flight: benchmarks/concurrency.py.
    with SimulatorProcess(args.traces, plan="pro", latency="off") as sim, tempfile.TemporaryDirectory() as tmp:
        samples: list[tuple[float, int, int]] = []
        stop = threading.Event()
        sampler = threading.Thread(target=sample, args=(sim, stop, samples), daemon=True)
        sampler.start()
        run = run_child(sync_command(Path(tmp), "--plan", "pro"), sim.base_url)
        stop.set()
        sampler.join()
        stats = sim.stats()
    rows = sum(n for route, n in stats["rowsServed"].items() if "observations" in route)
    statuses = {status: n for by in stats["requests"].values() for status, n in by.items()}
    rate = rows / run.seconds
    print(f"observations: {rows:,} in {run.seconds:.1f}s, {stats['total']} requests (server), "
          f"{run.requests} requests / {run.retried} retried (sync summary)")
    print(f"ceiling: {PLAN_RPM:,} req/min × {PAGE_ROWS:,} rows = {CEILING:,.0f} rows/s")
    print(f"whole run: {rate:,.0f} rows/s = {rate / CEILING:.2f} of the ceiling")
    rates = span_rates(samples)
    if rates:
        print(f"steady, {SPAN_S}s spans: best {max(rates):,.0f} rows/s = {max(rates) / CEILING:.2f}, "
              f"median {statistics.median(rates):,.0f} = {statistics.median(rates) / CEILING:.2f} of the ceiling")
    else:
        print(f"steady: the fetch lasted under {SPAN_S}s; no full span to measure")
    print(f"429s: {stats['rateLimited']} (simulator), statuses {statuses}")
    print(f"command: LANGFUSE_HOST=... {shown(run.command)}")


if __name__ == "__main__":
    main()
