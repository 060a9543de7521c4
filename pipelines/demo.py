"""`make demo`: the Langfuse API simulator → an incremental sync into DuckDB → the marts (dbt) → a summary.

Runs with no Langfuse server and no network: the simulator serves a deterministic synthetic project
over real HTTP, and the sync reads it exactly as it reads Langfuse Cloud.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import timedelta
from pathlib import Path

import duckdb

from pipelines.sync import SyncOptions, run_sync
from simulator import Simulator
from sources.langfuse import LangfuseProject

DEMO_DIR = Path(".demo")


def _print_summary(database: Path) -> None:
    with duckdb.connect(str(database), read_only=True) as con:
        print("\nRaw tables (schema langfuse):")
        for (table,) in con.sql(
            "select table_name from information_schema.tables where table_schema = 'langfuse' "
            "and table_name not like '\\_dlt%' escape '\\' order by 1"
        ).fetchall():
            count = con.execute(f'select count(*) from langfuse."{table}"').fetchall()[0][0]
            print(f"  {table:<24} {count:>9,} rows")
        marts = {name for (name,) in con.sql(
            "select table_name from information_schema.tables where table_schema = 'analytics'").fetchall()}
        for title, name, query in _SUMMARY_QUERIES:
            if name in marts:
                print(f"\n{title}:")
                print(con.sql(query.format(mart=f"analytics.{name}")))


_SUMMARY_QUERIES = (
    ("Cost and tokens by model", "mart_cost_daily",
     "select model_name, sum(generation_count) as generations, sum(total_tokens) as tokens, "
     "round(sum(total_cost_usd), 4) as cost_usd from {mart} group by 1 order by cost_usd desc limit 8"),
    ("Latency by model (seconds)", "mart_latency_daily",
     "select model_name, sum(observation_count) as observations, "
     "round(median(p50_latency_seconds), 3) as typical_daily_p50, round(max(p95_latency_seconds), 3) as worst_daily_p95 "
     "from {mart} where model_name <> '(none)' group by 1 order by observations desc limit 8"),
    ("Scores by name", "mart_score_daily",
     "select score_name, data_type, sum(score_count) as scores, round(avg(avg_value), 3) as avg_value "
     "from {mart} group by 1, 2 order by scores desc limit 10"),
    ("Experiments compared item by item (candidate vs baseline)", "mart_experiment_comparison",
     "select baseline_experiment_name as baseline, candidate_experiment_name as candidate, score_name, "
     "items_compared, round(avg_delta, 3) as avg_delta, wins, losses, ties "
     "from {mart} order by items_compared desc, score_name limit 8"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--traces", type=int, default=2_000, help="size of the simulated project")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dir", type=Path, default=DEMO_DIR)
    args = parser.parse_args(argv)

    shutil.rmtree(args.dir, ignore_errors=True)
    args.dir.mkdir(parents=True)
    database = args.dir / "warehouse.duckdb"
    with Simulator(seed=args.seed, traces=args.traces).start() as sim:
        print(f"Langfuse API simulator serving {args.traces:,} traces at {sim.base_url}")
        options = SyncOptions(
            projects=[LangfuseProject(sim.base_url, sim.public_key, sim.secret_key)],
            database=str(database), pipelines_dir=str(args.dir / "dlt"), settle_delay=timedelta(0),
        )
        first = run_sync(options)
        print(f"First sync: {sum(first.rows.values()):,} rows in {first.seconds:.1f}s "
              f"({first.requests} requests) over the {first.api} API")
        second = run_sync(options)
        verdict = "nothing new, as expected" if second.nothing_new else f"{sum(second.rows.values()):,} rows"
        print(f"Second sync: {verdict} ({second.requests} requests, {second.seconds:.1f}s)")

    from transforms import Warehouse, build_marts

    report = build_marts(Warehouse(database=str(database)))
    print(f"\nMarts built with dbt: {report.summary()}")
    for test in report.tests:
        print(f"  {test}")
    _print_summary(database)
    print(f"\nThe warehouse is {database}: open it with any DuckDB client (e.g. `duckdb {database}`)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
