"""The marts built by dbt on a warehouse of ≥ 1,000,000 observations: full build, incremental build after
1 % new rows, peak RSS, and the full build on PostgreSQL.

    .venv/bin/python -m benchmarks.marts_build [--traces 125000] [--workdir DIR] [--no-postgres]

A simulator of that many traces (≈ 8 observations each, with scores, experiments, prompts) runs in its own
process; the CLI syncs every resource into a fresh DuckDB file (or reuses ``--workdir``). Each
`langfuse-warehouse marts` then runs as a child process, as under cron, timed from fork to exit with its
peak RSS from the kernel (``wait4``): dbt start-up, parse, every model and every data test included.
"Cold" is the very first run (dbt parses the whole project); nightly runs reuse dbt's partial-parse
cache, so the full-build target applies to the warm `--full-refresh` run. Then 1 % new traces are added
upstream, synced, and the incremental build is timed. With PostgreSQL installed, the same data is synced
with `--destination postgres` into a throw-away server (tests/postgres.py) and the full build timed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

import duckdb
import httpx

from benchmarks.harness import KEYS, ROOT, SimulatorProcess, machine, run_child, shown

FULL_TARGET_S = 8.0
INCREMENTAL_TARGET = 0.4
RSS_TARGET_MB = 600


def sync(workdir: Path, *target: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", "sync", "--api", "v4", "--settle-delay", "0s",
            "--pipelines-dir", str(workdir / "dlt"), *target]


def marts(workdir: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", "marts", "--database", str(workdir / "warehouse.duckdb"), *options]


def observations(workdir: Path) -> tuple[int, int]:
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        return (con.execute("select count(*) from langfuse.observations").fetchall()[0][0],
                con.execute("select count(*) from langfuse.scores").fetchall()[0][0])


def built_line(output: str) -> str:
    return next((line for line in output.splitlines() if line.startswith("Built ")), output.strip()[-300:])


def postgres_full_build(sim: SimulatorProcess, workdir: Path) -> tuple[float, str] | None:
    sys.path.insert(0, str(ROOT))
    from tests.postgres import PostgresServer, server_binaries

    bin_dir = server_binaries()
    if bin_dir is None:
        return None
    server = PostgresServer(bin_dir).start()
    try:
        database = server.create_database()
        os.environ.update(database.dlt_environment())
        run_child(sync(workdir / "pg", "--destination", "postgres"), sim.base_url)
        run_child([sys.executable, "-m", "pipelines.cli", "marts", "--destination", "postgres"], sim.base_url)  # parse
        run = run_child([sys.executable, "-m", "pipelines.cli", "marts", "--destination", "postgres", "--full-refresh"],
                        sim.base_url)
        return run.seconds, built_line(run.output)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--traces", type=int, default=125_000)
    parser.add_argument("--workdir", type=Path, help="keep (or reuse) the warehouse here")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="marts-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_CACHE_HOME", str(workdir / "cache"))

    with SimulatorProcess(args.traces) as sim:
        if not (workdir / "warehouse.duckdb").exists():
            loaded = run_child(sync(workdir, "--database", str(workdir / "warehouse.duckdb")), sim.base_url)
            print(f"sync of {args.traces:,} traces: {loaded.seconds:.0f} s")
        obs, scores = observations(workdir)
        cold = run_child(marts(workdir, "--full-refresh"), sim.base_url)
        full = run_child(marts(workdir, "--full-refresh"), sim.base_url)

        new = max(1, args.traces // 100)
        httpx.post(f"{sim.base_url}/_sim/traces", json={"n": new}, auth=KEYS, timeout=600).raise_for_status()
        run_child(sync(workdir, "--database", str(workdir / "warehouse.duckdb")), sim.base_url)
        obs_after, _ = observations(workdir)
        incremental = run_child(marts(workdir), sim.base_url)
        postgres = None if args.no_postgres else postgres_full_build(sim, workdir)

    ratio = incremental.seconds / full.seconds
    peak = max(cold.peak_rss_mb, full.peak_rss_mb, incremental.peak_rss_mb)
    print(f"{date.today()}, {machine()}")
    print(f"warehouse: {obs:,} observations, {scores:,} scores; +{obs_after - obs:,} observations "
          f"({(obs_after - obs) / obs:.1%}) from {new:,} new traces before the incremental build")
    print(f"{'run':<34} {'seconds':>8} {'peak RSS MB':>12}")
    print(f"{'full build, cold (first parse)':<34} {cold.seconds:>8.1f} {cold.peak_rss_mb:>12,.0f}")
    print(f"{'full build (--full-refresh)':<34} {full.seconds:>8.1f} {full.peak_rss_mb:>12,.0f}   "
          f"target ≤ {FULL_TARGET_S:.0f} s: {'met' if full.seconds <= FULL_TARGET_S else 'NOT met'}")
    print(f"{'incremental after 1 % new rows':<34} {incremental.seconds:>8.1f} {incremental.peak_rss_mb:>12,.0f}   "
          f"{ratio:.2f}x full, target ≤ {INCREMENTAL_TARGET}x: {'met' if ratio <= INCREMENTAL_TARGET else 'NOT met'}")
    print(f"peak RSS {peak:,.0f} MB, target ≤ {RSS_TARGET_MB} MB: {'met' if peak <= RSS_TARGET_MB else 'NOT met'}")
    if postgres:
        print(f"{'PostgreSQL full build':<34} {postgres[0]:>8.1f}   ({postgres[1]})")
    else:
        print("PostgreSQL full build: skipped (--no-postgres, or no server binaries)")
    print(f"full: {built_line(full.output)}")
    print(f"incremental: {built_line(incremental.output)}")
    print("commands:", shown(full.command), "|", shown(incremental.command))


if __name__ == "__main__":
    main()
