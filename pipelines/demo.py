"""`make demo`: the Langfuse API simulator → an incremental sync into DuckDB → the marts (dbt) → a summary
→ an HTML report.

Runs with no Langfuse server and no network: the simulator serves a deterministic synthetic project that
ends a few minutes ago, as a live project does, over real HTTP; the sync reads it exactly as it reads
Langfuse Cloud. Between the first and the second sync new traces and late scores (on old traces) arrive,
so the second sync shows the nightly path: it reads only what is new.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipelines.report import ReportOptions, best_experiment, write_report
from pipelines.sync import SyncOptions, SyncReport, run_sync
from simulator import Simulator
from simulator.generator import generate
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
        built = {name for (name,) in con.sql(
            "select table_name from information_schema.tables where table_schema = 'analytics'").fetchall()}
        for title, reads, query in SUMMARY_QUERIES:
            if reads <= built:
                print(f"\n{title}:")
                print(con.sql(query))


# Aggregates over the whole range are computed from rows at the grain they need, never as averages of
# daily averages: counts and sums add up; averages are weighted by their counts; percentiles come from the
# generations themselves (a percentile of daily percentiles means nothing).
SUMMARY_QUERIES = (
    ("Cost and tokens by model", {"mart_cost_daily"},
     "select model_name, sum(generation_count) as generations, sum(total_tokens) as tokens, "
     "round(sum(total_cost_usd), 4) as cost_usd from analytics.mart_cost_daily "
     "group by 1 order by cost_usd desc, model_name limit 8"),
    ("Latency by model over the whole range (seconds)", {"int_generations"},
     "select model_name, count(*) as generations, round(quantile_cont(latency_seconds, 0.5), 3) as p50, "
     "round(quantile_cont(latency_seconds, 0.95), 3) as p95 from analytics.int_generations "
     "where model_name is not null and model_name <> '(none)' group by 1 order by generations desc, 1 limit 8"),
    ("Scores by name (averages weighted by each day's count; boolean: share true)", {"mart_score_daily"},
     "select score_name, data_type, sum(score_count) as scores, "
     "round(sum(avg_value * numeric_value_count) / nullif(sum(numeric_value_count), 0), 3) as avg_value, "
     "round(sum(true_count) / nullif(sum(true_count + false_count), 0), 3) as true_rate "
     "from analytics.mart_score_daily where data_type in ('NUMERIC', 'BOOLEAN') "
     "group by 1, 2 order by scores desc, 1 limit 10"),
    ("Experiments compared item by item (candidate vs baseline)", {"mart_experiment_comparison"},
     "select baseline_experiment_name as baseline, candidate_experiment_name as candidate, score_name, "
     "items_compared, round(avg_delta, 3) as avg_delta, wins, losses, ties "
     "from analytics.mart_experiment_comparison where items_compared > 0 "
     "order by items_compared desc, score_name, candidate limit 8"),
)


def _loaded(report: SyncReport) -> str:
    return ", ".join(f"{count:,} {table}" for table, count in sorted(report.rows.items()) if count) or "nothing"


def _trace_count(database: Path) -> int:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select count(distinct (project_id, trace_id)) from langfuse.observations").fetchall()[0][0]


def _print_best_experiment(database: Path) -> None:
    best = best_experiment(str(database))
    if best is None:
        print("\nNo experiment could be compared with its baseline.")
        return
    print(f"\nBest experiment: {best['candidate']} against its baseline {best['baseline']} on "
          f"{best['dataset_name']}: {best['score_name']} {best['baseline_avg_score']:.3f} → "
          f"{best['candidate_avg_score']:.3f} ({best['avg_delta']:+.3f} on {best['items_compared']} items: "
          f"{best['wins']} won, {best['ties']} tied, {best['losses']} lost)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--traces", type=int, default=2_000, help="size of the simulated project")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dir", type=Path, default=DEMO_DIR)
    args = parser.parse_args(argv)

    shutil.rmtree(args.dir, ignore_errors=True)
    args.dir.mkdir(parents=True)
    database = args.dir / "warehouse.duckdb"
    # The project's data ends a few minutes ago, like a live project's.
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    store = generate(seed=args.seed, traces=args.traces, end=now - timedelta(minutes=5))
    with Simulator(seed=args.seed, store=store).start() as sim:
        print(f"Langfuse API simulator serving {args.traces:,} traces "
              f"(up to {now - timedelta(minutes=5):%Y-%m-%d %H:%M} "
              f"UTC) at {sim.base_url}")
        options = SyncOptions(
            projects=[LangfuseProject(sim.base_url, sim.public_key, sim.secret_key)],
            database=str(database), pipelines_dir=str(args.dir / "dlt"), settle_delay=timedelta(0),
        )
        first = run_sync(options)
        print(f"First sync: {sum(first.rows.values()):,} rows in {first.seconds:.1f}s "
              f"({first.requests} requests) over the {first.api} API")
        new_traces = max(5, args.traces // 50)
        late_scores = max(4, args.traces // 100)
        sim.add_traces(new_traces, at=datetime.now(UTC) - timedelta(seconds=30))
        sim.add_scores(late_scores)
        sim.settle()  # the simulator lags as Langfuse does (up to ~10 min); a nightly run comes later than that
        print(f"Meanwhile in Langfuse: {new_traces} new traces and {late_scores} late scores on older traces")
        traces_before = _trace_count(database)
        second = run_sync(options)
        if second.nothing_new:
            print(f"Second sync: nothing new ({second.requests} requests, {second.seconds:.1f}s)")
        else:
            print(f"Second sync read only the time since the first (and its {options.lookback} lookback for late "
                  f"updates): {_loaded(second)} merged on their keys in {second.seconds:.1f}s "
                  f"({second.requests} requests); traces in the warehouse {traces_before:,} → "
                  f"{_trace_count(database):,}")

    from transforms import Warehouse, build_marts

    report = build_marts(Warehouse(database=str(database)))
    print(f"\nMarts built with dbt: {report.summary()}")
    for test in report.tests:
        print(f"  {test}")
    _print_summary(database)
    _print_best_experiment(database)
    page = write_report(ReportOptions(database=str(database), out=str(args.dir / "report.html")))
    print(f"\nThe warehouse is {database.resolve()}: open it with any DuckDB client (e.g. `duckdb {database}`),")
    print("  notebooks/explore_marts.ipynb, or a BI tool (README: \"Dashboards\").")
    print(f"The report is {page.path.resolve()}: open it in a browser (it needs no network).")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
