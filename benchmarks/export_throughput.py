"""Observations loaded per second from a Parquet blob-storage export vs through the API, on the same data.

    .venv/bin/python -m benchmarks.export_throughput             # 125,000 traces: ~1,010,000 observations
    .venv/bin/python -m benchmarks.export_throughput --quick     # 5,000 traces: ~40,000 observations
    … --export-dir /tmp/export_1m                                 # keep the export (10 min to write) for a rerun

The simulator writes its data as Langfuse's export (Parquet, 24 windows) in a child process, then serves
the same data (same seed) from its own process. Two syncs run as CLI child processes into fresh DuckDB
files: the API path (`sync --resources observations`) first, which also warms the simulator's sort index,
then `sync --resources observations --from-export DIR`, which loads the export and then asks the API for
the lookback hour after its last window. Each reports wall time from fork to exit, observations in the
warehouse, rows/s and the child's peak RSS (`wait4`).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.harness import ROOT, SimulatorProcess, machine, run_child, shown, sync_command

WINDOWS = 24


def observations_in(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select count(*) from langfuse.observations").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=125_000)
    parser.add_argument("--quick", action="store_true", help="5,000 traces, to try it")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--export-dir", type=Path, help="keep the export here, and reuse it if it is already there")
    args = parser.parse_args()
    traces = 5_000 if args.quick else args.traces
    with tempfile.TemporaryDirectory(prefix="export-bench-") as tmp:
        work = Path(tmp)
        export_dir = args.export_dir or work / "export"
        if not (export_dir / "proj-demo" / "manifests").exists():
            started = time.perf_counter()
            written = subprocess.run([sys.executable, "-m", "simulator", "export", str(export_dir), "--traces",
                                      str(traces), "--seed", str(args.seed), "--windows", str(WINDOWS)],
                                     cwd=ROOT, capture_output=True, text=True, check=True)
            print(f"export written in {time.perf_counter() - started:.0f}s: {written.stdout.strip()}")
        size = sum(p.stat().st_size for p in export_dir.rglob("*.parquet"))
        print(f"Parquet files: {size / 2**20:.0f} MB")
        # Without latency: both paths pay the same local load, and the figures stay comparable with the
        # earlier runs (against Cloud's latency the serial API path is far slower: benchmarks/concurrency.py).
        with SimulatorProcess(traces=traces, seed=args.seed, latency="off") as sim:
            (work / "api").mkdir()
            (work / "export-run").mkdir()
            api = run_child(sync_command(work / "api"), sim.base_url)
            api_rows = observations_in(work / "api" / "warehouse.duckdb")
            export = run_child(sync_command(work / "export-run", "--from-export", str(export_dir)), sim.base_url)
            export_rows = observations_in(work / "export-run" / "warehouse.duckdb")
    print(f"machine: {machine()}")
    print(f"{'path':<28}{'observations':>14}{'seconds':>10}{'rows/s':>10}{'peak RSS MB':>13}")
    for name, run, rows in (("API (/v2/observations)", api, api_rows), ("Parquet export + API tail", export, export_rows)):
        print(f"{name:<28}{rows:>14,}{run.seconds:>10.1f}{rows / run.seconds:>10,.0f}{run.peak_rss_mb:>13.0f}")
    ratio = (export_rows / export.seconds) / (api_rows / api.seconds)
    print(f"export / API: {ratio:.1f}x (target >= 10x); peak RSS of the export run {export.peak_rss_mb:.0f} MB "
          f"(target <= 400 MB)")
    print(f"commands: {shown(api.command)}")
    print(f"          {shown(export.command)}")


if __name__ == "__main__":
    main()
