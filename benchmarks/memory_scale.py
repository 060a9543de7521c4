"""Peak RSS of the sync at 200,000 and 1,000,000 observations: it should stay flat (target ≤ 400 MB).

    .venv/bin/python benchmarks/memory_scale.py [--traces 25000,125000] [--keep DIR]

For each size a simulator of that many traces (≈ 8 observations each) starts in its own process and the
CLI backfills observations into a fresh DuckDB file in a child process, with the default chunk size;
the peak RSS is the kernel's maximum resident set of that child (``wait4``). ``--keep DIR`` leaves the
last (largest) warehouse there, e.g. for ``noop_run.py --workdir DIR``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from datetime import date
from pathlib import Path

from benchmarks.harness import SimulatorProcess, machine, run_child, shown, sync_command

TARGET_MB = 400


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--traces", default="25000,125000", help="comma-separated simulator sizes")
    parser.add_argument("--keep", type=Path, help="keep the largest run's warehouse and dlt state here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.traces.split(",")]
    print(f"machine: {machine()}; date: {date.today()}")
    print(f"{'traces':>8} {'observations':>13} {'sync s':>8} {'rows/s':>8} {'peak RSS MB':>12}")
    peaks = []
    for traces in sizes:
        # Without latency: memory is the measure, and Cloud's latency would only stretch the run (1M rows
        # one page at a time would wait ~20 minutes).
        with SimulatorProcess(traces, latency="off") as sim, tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            run = run_child(sync_command(workdir), sim.base_url)
            rows = sim.observations_served()
            peaks.append(run.peak_rss_mb)
            print(f"{traces:>8,} {rows:>13,} {run.seconds:>8.1f} {rows / run.seconds:>8,.0f} {run.peak_rss_mb:>12,.0f}",
                  flush=True)
            if args.keep and traces == max(sizes):
                shutil.rmtree(args.keep, ignore_errors=True)
                shutil.copytree(workdir, args.keep)
    print(f"sync command: LANGFUSE_HOST=... {shown(run.command)}")
    growth = max(peaks) - min(peaks)
    verdict = "flat" if growth <= 0.15 * min(peaks) else "grows"
    print(f"peak RSS: max {max(peaks):,.0f} MB (target ≤ {TARGET_MB}), spread {growth:,.0f} MB across sizes: {verdict}")


if __name__ == "__main__":
    main()
