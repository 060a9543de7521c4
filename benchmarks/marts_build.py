"""The marts built by dbt on a warehouse of ≥ 1,000,000 observations: full build, incremental build after
1 % new rows, peak RSS, and the full build on PostgreSQL.

    .venv/bin/python -m benchmarks.marts_build [--observations 1000000] [--workdir DIR] [--no-postgres]

The warehouse: the simulator (2,000 traces, with scores, experiments, prompts) synced by the CLI, then
scaled up inside DuckDB to ≥ the asked number of observations by copying its traces and scores under new
ids, each copy a week further back (a 1M-trace simulator takes minutes to start; the marts only see rows).
Each `langfuse-warehouse marts` runs as a child process, as under cron, timed from fork to exit with its
peak RSS from the kernel (``wait4``): dbt start-up, parse, every model and every data test included.
"Cold" is the very first run (dbt parses the whole project); nightly runs reuse dbt's partial-parse
cache, so the full-build target applies to the warm `--full-refresh` run. Then 1 % new observations
(today, with their scores) are added and the incremental build is timed. With PostgreSQL installed, the
same rows go into a throw-away server (tests/postgres.py; raw tables created by a real
`sync --destination postgres`, the copies bulk-loaded) and the full build is timed there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

import duckdb

from benchmarks.harness import ROOT, ChildRun, machine, run_child, shown

FULL_TARGET_S = 8.0
INCREMENTAL_TARGET = 0.4
RSS_TARGET_MB = 600
SEED_TRACES = 2_000
SCALED = ("observations", "scores")
TIME_COLUMNS = {"observations": ("start_time", "end_time", "completion_start_time", "created_at", "updated_at"),
                "scores": ("timestamp", "created_at", "updated_at")}


def cli(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", *arguments]


def seed_sync(base_url_env: dict[str, str], workdir: Path, *target: str) -> None:
    os.environ.update(base_url_env)
    run_child(cli("sync", "--settle-delay", "0s", "--pipelines-dir", str(workdir / f"dlt-{len(target)}"), *target),
              base_url_env["LANGFUSE_HOST"])


def copies_sql(table: str, copy: str, shift: str, updated_now: bool) -> str:
    """One copy of the seed rows of `table` under new ids (suffix `copy`), `shift` earlier."""
    time_columns = TIME_COLUMNS[table]
    replaced = [f"trace_id || '{copy}' as trace_id"]
    replaced += [f"id || '{copy}' as id"] if table == "scores" else []
    replaced += [f'"{c}" - {shift} as "{c}"' for c in time_columns if c != "updated_at" or not updated_now]
    if updated_now:
        replaced.append("now() as updated_at")
    return f"select * replace ({', '.join(replaced)}) from seed_{table}"


def scale_up(database: Path, target: int) -> tuple[int, int]:
    """Copy the seed traces until observations ≥ target; returns (copies, observations)."""
    with duckdb.connect(str(database)) as con:
        for table in SCALED:
            con.execute(f"create or replace temp table seed_{table} as select * from langfuse.{table}")
        seed = con.execute("select count(*) from seed_observations").fetchall()[0][0]
        copies = -(-target // seed)
        for k in range(1, copies):
            for table in SCALED:
                con.execute(f"insert into langfuse.{table} {copies_sql(table, f'-c{k}', f'interval {7 * k} day', False)}")
        return copies, con.execute("select count(*) from langfuse.observations").fetchall()[0][0]


def add_new_rows(database: Path, fraction: float, suffix: str = "-new") -> int:
    """`fraction` of the observations as new rows of the last hour, as a nightly sync brings them: a sample
    of seed traces with their scores, each copied trace moved to start an hour ago."""
    with duckdb.connect(str(database)) as con:
        total = con.execute("select count(*) from langfuse.observations").fetchall()[0][0]
        for table in SCALED:
            con.execute(f"create or replace temp table seed_{table} as select * from langfuse.{table} "
                        "where trace_id not like '%-c%'")
        seed = con.execute("select count(*) from seed_observations").fetchall()[0][0]
        share = min(1.0, fraction * total / seed)
        con.execute(f"create temp table picked as select trace_id from (select distinct trace_id from seed_observations) "
                    f"using sample {share * 100:.4f} percent (bernoulli, 7)")
        before = total
        con.execute("create temp table moved as select trace_id, now() - interval 1 hour - min(start_time) as shift "
                    "from seed_observations where trace_id in (select trace_id from picked) group by trace_id")
        for table in SCALED:
            con.execute(f"delete from seed_{table} where trace_id not in (select trace_id from picked)")
            moved = [f'"{c}" = "{c}" + moved.shift' for c in TIME_COLUMNS[table] if c != "updated_at"]
            con.execute(f"update seed_{table} set {', '.join(moved)} from moved where seed_{table}.trace_id = moved.trace_id")
            con.execute(f"insert into langfuse.{table} {copies_sql(table, suffix, 'interval 0 day', True)}")
        return con.execute("select count(*) from langfuse.observations").fetchall()[0][0] - before


def load_postgres(database: Path, pg, workdir: Path) -> None:
    """The scaled DuckDB rows of every raw table into PostgreSQL's (created by a real sync) via COPY."""
    connection = pg.connect()
    with duckdb.connect(str(database), read_only=True) as con, connection, connection.cursor() as cursor:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'langfuse' and table_name not like '\\_dlt%' escape '\\'").fetchall()]
        for table in tables:
            cursor.execute("select column_name from information_schema.columns where table_schema = 'langfuse' "
                           "and table_name = %s order by ordinal_position", (table,))
            columns = [r[0] for r in cursor.fetchall()]
            if not columns:
                continue
            csv = workdir / f"{table}.csv"
            quoted = ", ".join(f'"{c}"' for c in columns)
            con.execute(f"copy (select {quoted} from langfuse.\"{table}\") to '{csv}' (header false)")
            cursor.execute(f'truncate langfuse."{table}"')
            with csv.open() as rows:
                cursor.copy_expert(f'copy langfuse."{table}" ({quoted}) from stdin with (format csv)', rows)
            csv.unlink()
    connection.close()


def dbt_build_seconds(workdir: Path) -> float:
    """How long the last `dbt build` itself ran (its run_results.json): the rest of a run is start-up
    (Python, dlt and dbt imports, dbt's parse, the raw-table check), the same for a full and an incremental build."""
    newest = max((workdir / "cache").rglob("run_results.json"), key=lambda path: path.stat().st_mtime)
    return float(json.loads(newest.read_text())["elapsed_time"])


# Linux keeps a process's pre-exec high-water mark in its ru_maxrss, and a child forked from this process
# (which holds the simulator and the scale-up's memory, over 1 GB) starts out counted at this process's
# size: every build measured so showed the same 1,1xx-1,7xx MB. Each build is therefore started from a
# small launcher process, whose child's peak is the build's own.
LAUNCHER = ("import os, subprocess, sys; child = subprocess.Popen(sys.argv[1:]); _, status, usage = os.wait4(child.pid, 0); "
            "print(f'peak_rss_kb={usage.ru_maxrss}', flush=True); sys.exit(os.waitstatus_to_exitcode(status))")


def marts(*arguments: str) -> tuple[ChildRun, float]:
    """One `langfuse-warehouse marts` as a child process: the run (wall time from fork to exit, output) and its own peak RSS in MB."""
    run = run_child([sys.executable, "-c", LAUNCHER, *cli("marts", *arguments)], "")
    peak_kb = next(int(line.split("=", 1)[1]) for line in run.output.splitlines() if line.startswith("peak_rss_kb="))
    return run, peak_kb / 1024


def built_line(output: str) -> str:
    return next((line for line in output.splitlines() if line.startswith("Built ")), output.strip()[-300:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="marts-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XDG_CACHE_HOME", str(workdir / "cache"))
    database = workdir / "warehouse.duckdb"
    database.unlink(missing_ok=True)

    sys.path.insert(0, str(ROOT))
    from simulator import Simulator
    from tests.postgres import PostgresServer, server_binaries

    bin_dir = None if args.no_postgres else server_binaries()
    server = PostgresServer(bin_dir).start() if bin_dir else None
    try:
        pg = server.create_database() if server else None
        with Simulator(seed=42, traces=SEED_TRACES).start() as sim:
            env = {"LANGFUSE_HOST": sim.base_url, "LANGFUSE_PUBLIC_KEY": sim.public_key,
                   "LANGFUSE_SECRET_KEY": sim.secret_key}
            seed_sync(env, workdir, "--database", str(database))
            if pg:
                os.environ.update(pg.dlt_environment())
                seed_sync(env, workdir, "--destination", "postgres", "--dataset", "langfuse")
        copies, observations = scale_up(database, args.observations)

        build: dict[str, float] = {}  # run -> seconds of `dbt build` itself
        peak: dict[str, float] = {}  # run -> peak RSS MB of the marts process
        cold, peak["cold"] = marts("--database", str(database), "--full-refresh")
        build["cold"] = dbt_build_seconds(workdir)
        full, peak["full"] = marts("--database", str(database), "--full-refresh")
        build["full"] = dbt_build_seconds(workdir)
        added = add_new_rows(database, 0.01)
        incremental, peak["incremental"] = marts("--database", str(database))
        build["incremental"] = dbt_build_seconds(workdir)
        postgres = None
        if pg:
            load_postgres(database, pg, workdir)
            marts("--destination", "postgres", "--full-refresh")  # dbt's first parse
            postgres, peak["postgres"] = marts("--destination", "postgres", "--full-refresh")
            build["postgres"] = dbt_build_seconds(workdir)
    finally:
        if server:
            server.stop()

    ratio = incremental.seconds / full.seconds
    duckdb_peak = max(peak["cold"], peak["full"], peak["incremental"])
    print(f"{date.today()}, {machine()}, load average {os.getloadavg()[0]:.1f}")
    print(f"warehouse: {observations:,} observations ({copies} copies of a {SEED_TRACES:,}-trace simulator sync); "
          f"+{added:,} new observations ({added / observations:.1%}) before the incremental build")
    print(f"{'run':<34} {'seconds':>8} {'dbt build s':>12} {'peak RSS MB':>12}")
    print(f"{'full build, cold (first parse)':<34} {cold.seconds:>8.1f} {build['cold']:>12.1f} {peak['cold']:>12,.0f}")
    print(f"{'full build (--full-refresh)':<34} {full.seconds:>8.1f} {build['full']:>12.1f} {peak['full']:>12,.0f}   "
          f"target ≤ {FULL_TARGET_S:.0f} s: {'met' if full.seconds <= FULL_TARGET_S else 'NOT met'}")
    print(f"{'incremental after 1 % new rows':<34} {incremental.seconds:>8.1f} {build['incremental']:>12.1f} "
          f"{peak['incremental']:>12,.0f}   {ratio:.2f}x full, target ≤ {INCREMENTAL_TARGET}x: "
          f"{'met' if ratio <= INCREMENTAL_TARGET else 'NOT met'} (dbt build alone: {build['incremental'] / build['full']:.2f}x)")
    print(f"peak RSS {duckdb_peak:,.0f} MB, target ≤ {RSS_TARGET_MB} MB: {'met' if duckdb_peak <= RSS_TARGET_MB else 'NOT met'}")
    if postgres:
        print(f"{'PostgreSQL full build':<34} {postgres.seconds:>8.1f} {build['postgres']:>12.1f} {peak['postgres']:>12,.0f}   "
              f"({built_line(postgres.output)})")
    else:
        print("PostgreSQL full build: skipped (--no-postgres, or no server binaries)")
    print(f"full: {built_line(full.output)}")
    print(f"incremental: {built_line(incremental.output)}")
    print("commands (each started by a small launcher, for its own peak RSS):", shown(cli("marts", "--database", str(database), "--full-refresh")),
          "|", shown(cli("marts", "--database", str(database))))


if __name__ == "__main__":
    main()
