"""`langfuse-warehouse`: sync Langfuse into a warehouse, show where each resource stands, build marts."""

from __future__ import annotations

import os

# Arrow allocates through glibc's malloc rather than its bundled jemalloc, whose per-thread arenas keep
# what the reader threads freed: against a local server the sync peaked 25-40 MB higher with jemalloc
# (8 readers: 423-425 vs 376-396 MB; serial: 338-343 vs 316-318 MB), for no speed; glibc's is what
# ``memory.release_freed_memory`` hands back. Arrow reads this once, when it loads: before any import
# of pyarrow. The command's choice for its own process; a user's pipeline keeps its own allocator.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

import argparse
import logging
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

# Each command imports the modules it runs when it runs: the sync's load dlt, pyarrow and httpx (~1.2 s)
# that `marts` (which has dbt to load) and `--help` never use.
from pipelines import defaults, progress
from pipelines.location import check_destination_name, duckdb_path
from pipelines.lock import WarehouseBusyError
from sources.langfuse import settings
from sources.langfuse.errors import LangfuseSyncError
from sources.langfuse.memory import limit_malloc_arenas

if TYPE_CHECKING:
    from pipelines.location import WarehouseLocation
    from pipelines.sync import SyncOptions, SyncReport
    from sources.langfuse import LangfuseProject

# Exit codes (README "Exit codes"): what a nightly job alerts on.
EXIT_OK = 0
EXIT_FAILED = 1  # verify found differences, or a mart or key test failed
EXIT_ERROR = 2  # bad usage or configuration, or the sync stopped (loads it had committed stay)
EXIT_PARTIAL = 3  # the sync committed what it read, but some resource could not be read
EXIT_BUSY = 4  # another sync of this warehouse is running (without --wait)


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse prints the whole usage block and exits; a mistyped flag deserves one line, like every
    other error of this command (subcommand parsers inherit this class)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _datetime(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date or ISO timestamp (e.g. 2026-11-01 or "
                                         "2026-11-01T12:00:00Z)") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _duration(value: str) -> timedelta:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        number, unit = float(value[:-1]), value[-1]
        return timedelta(seconds=number * units[unit])
    except (ValueError, KeyError, IndexError):
        raise argparse.ArgumentTypeError(f"{value!r} is not a duration like 30m, 2h or 7d") from None


def _whole_number(text: str, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of {what}")
    return value


def _days(value: str) -> int:
    return _whole_number(value, "days (1 or more)")


def _at_least_one(text: str) -> int:
    return _whole_number(text, "at least 1")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--destination", default=defaults.DESTINATION,
                        help="duckdb (default), filesystem (Parquet), or any dlt destination name")
    parser.add_argument("--database", "--bucket-url", dest="database", default=defaults.DATABASE,
                        help="DuckDB file, or the local path / bucket URL of the filesystem destination")
    parser.add_argument("--dataset", default=defaults.DATASET, help="schema (dataset) of the raw tables")
    parser.add_argument("--pipelines-dir", default=None,
                        help="where dlt keeps the pipeline's working state (default: a folder of this "
                             "warehouse's own under dlt's data dir)")


def _add_langfuse(parser: argparse.ArgumentParser) -> None:
    """Which Langfuse to read, and how (sync and verify)."""
    parser.add_argument("--projects-file", help="TOML with [[projects]] host/public_key/secret_key entries")
    parser.add_argument("--api", choices=["auto", "v4", "legacy"], default="auto",
                        help="v4 (Langfuse Cloud), legacy (self-hosted v3), or auto-detect")
    parser.add_argument("--allow-insecure-http", action="store_true",
                        help="allow plain http:// to a host other than this machine")


def _add_range(parser: argparse.ArgumentParser, verb: str, since_default: str = "", until_default: str = "") -> None:
    parser.add_argument("--since", type=_datetime, help=f"{verb} from this time (inclusive{since_default})")
    parser.add_argument("--until", type=_datetime, help=f"{verb} up to this time (exclusive{until_default})")


def _check_range(args: argparse.Namespace) -> None:
    if args.since and args.until and args.since >= args.until:
        raise UsageError("--since must be before --until")


def _projects(args: argparse.Namespace) -> list[LangfuseProject]:
    """The projects of --projects-file, LANGFUSE_* or dlt's config, each checked for a safe transport."""
    from pipelines.config import check_transport, resolve_projects

    projects = resolve_projects(args.projects_file)
    for project in projects:
        check_transport(project.host, args.allow_insecure_http)
    return projects


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="langfuse-warehouse", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each step does (and dbt's own output)")
    commands = parser.add_subparsers(dest="command", required=True)

    sync = commands.add_parser("sync", help="load what is new in Langfuse into the warehouse")
    _add_target(sync)
    _add_langfuse(sync)
    sync.add_argument("--resources", type=_csv, help="comma-separated tables to sync (default: all)")
    _add_range(sync, "backfill")
    sync.add_argument("--lookback", type=_duration, default=settings.DEFAULT_LOOKBACK,
                      help="re-read this much before the watermark for late updates (default 1h)")
    sync.add_argument("--settle-delay", type=_duration, default=settings.DEFAULT_SETTLE_DELAY,
                      help="never read the most recent minutes, still being ingested (default 10m)")
    sync.add_argument("--chunk-rows", type=int, default=settings.DEFAULT_CHUNK_ROWS,
                      help="commit a long backfill every N rows of a resource")
    sync.add_argument("--concurrency", type=_at_least_one, metavar="N",
                      help="requests in flight per resource (default: enough to reach --plan's rate at the "
                      "latency observed; without a plan one per 50 ms of latency, at most 16; either way fewer "
                      "once the server's answers slow down under them)")
    sync.add_argument("--full-refresh", type=_csv, default=[], metavar="RESOURCES",
                      help="forget these resources' watermarks and read them from the beginning")
    limit = sync.add_mutually_exclusive_group()
    limit.add_argument("--plan", choices=sorted(settings.PLAN_MAX_RPM), help="pace requests for a Cloud plan")
    limit.add_argument("--max-rpm", type=float, help="pace requests to at most N per minute")
    sync.add_argument("--exclude-io", action="store_true", help="do not copy inputs and outputs")
    sync.add_argument("--exclude-metadata", action="store_true", help="do not copy metadata")
    sync.add_argument("--hash-io", action="store_true", help="store a SHA-256 of inputs/outputs instead")
    sync.add_argument("--duckdb-memory", default=defaults.DUCKDB_MEMORY_LIMIT,
                      help="memory cap of the DuckDB load (it spills beyond it); default %(default)s")
    sync.add_argument("--max-retries", type=int, default=settings.MAX_RETRIES,
                      help=f"give up on a request after this many retries (default {settings.MAX_RETRIES})")
    sync.add_argument("--wait", action="store_true",
                      help="if another sync of this warehouse is running, wait for it instead of exiting")
    sync.add_argument("--reconcile", type=_days, metavar="DAYS",
                      help="then compare the last DAYS days with Langfuse (ids and updatedAt only): mark rows "
                           "deleted upstream, refetch the hours with rows changed or added outside the lookback")

    sync.add_argument("--from-export", metavar="URL",
                      help="first load observations and scores from Langfuse's blob-storage export (a folder, "
                           "s3://, gs://, az://; credentials the dlt way), then read on from the API")
    _add_quiet(sync)

    status = commands.add_parser("status", help="per resource: watermark, rows, last run, lag")
    _add_target(status)
    status.add_argument("--json", action="store_true",
                        help="print JSON for monitoring: per resource and project the watermark and lag_seconds")

    verify = commands.add_parser("verify", help="compare the warehouse with Langfuse's own metrics (DuckDB)")
    _add_target(verify)
    _add_langfuse(verify)
    _add_range(verify, "compare", "; default 7 days back", "; default now")
    verify.add_argument("--settle-delay", type=_duration, default=settings.DEFAULT_SETTLE_DELAY,
                        help="the default window ends this long before now (default 10m)")
    verify.add_argument("--show-matches", action="store_true", help="list matching groups too")

    marts = commands.add_parser("marts", help="build the marts with dbt in the warehouse the sync wrote to")
    _add_target(marts)
    marts.add_argument("--target-schema", default=defaults.MARTS_SCHEMA,
                       help="schema for the models (default: %(default)s)")
    marts.add_argument("--select", nargs="+", metavar="MODEL",
                       help="dbt selection, e.g. +mart_cost_daily (the mart and what it reads)")
    marts.add_argument("--full-refresh", action="store_true",
                       help="rebuild the incremental models from scratch")
    marts.add_argument("--export-parquet", metavar="DIR", help="then write every built mart to DIR/<mart>.parquet")

    _add_quiet(marts)

    _add_report_parser(commands)
    _describe_environment(commands)
    return parser


_CREDENTIALS = (
    ("LANGFUSE_HOST / LANGFUSE_BASE_URL", "Langfuse host (default https://cloud.langfuse.com)"),
    ("LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY", "the project's API keys (never printed or stored)"),
    ("SOURCES__LANGFUSE__*", "the same through dlt config ([sources.langfuse] in .dlt/secrets.toml)"),
)
_DLT = (
    ("DESTINATION__<NAME>__*", "credentials of a dlt destination other than duckdb/filesystem (dlt config)"),
    ("DLT_DATA_DIR", "where dlt keeps pipeline working state when --pipelines-dir is not given"),
)
_PROGRESS = (("LANGFUSE_WAREHOUSE_PROGRESS_SECONDS", "seconds between progress lines when not on a terminal (10)"),
             ("TERM", "dumb: plain progress lines even on a terminal"))

# The environment variables each command reads, listed at the end of its --help.
ENVIRONMENT: dict[str, tuple[tuple[str, str], ...]] = {
    "sync": _CREDENTIALS + _DLT + _PROGRESS,
    "status": _DLT,
    "verify": _CREDENTIALS + _DLT,
    "marts": _DLT + _PROGRESS + (("XDG_CACHE_HOME", "dbt's target/ and logs go under it (default ~/.cache)"),),
    "report": (),
}


def _describe_environment(commands: argparse._SubParsersAction) -> None:
    for name, parser in commands.choices.items():
        variables = ENVIRONMENT.get(name, ())
        lines = [f"  {variable:<42} {what}" for variable, what in variables] or ["  none"]
        parser.epilog = "environment variables:\n" + "\n".join(lines)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter


def _add_quiet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress (default: live on a terminal, else a plain line per resource every "
                             "LANGFUSE_WAREHOUSE_PROGRESS_SECONDS, default 10, on stderr)")


def _date(value: str):
    return _datetime(value).date()


def _add_report_parser(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report", help="write one self-contained HTML file of charts drawn from the marts (opens offline)",
        description="Charts of scores, experiments, latency, cost, tokens, errors and prompt versions, read from "
                    "the marts (schema analytics) of a DuckDB warehouse, in one HTML file with every script inside.",
    )
    report.add_argument("--database", default=defaults.DATABASE, help="the DuckDB warehouse (default %(default)s)")
    report.add_argument("--dataset", default=defaults.DATASET,
                        help="schema of the raw tables (for row counts, last sync)")
    report.add_argument("--out", default=defaults.REPORT_FILE, help="the HTML file to write (default %(default)s)")
    report.add_argument("--since", type=_date, help="first day to show (inclusive)")
    report.add_argument("--until", type=_date, help="day to stop before (exclusive)")
    report.add_argument("--project", help="one Langfuse project id (default: every project in the warehouse)")
    report.add_argument("--environment", help="one Langfuse environment (default: all; percentiles read the busiest)")


def run_report(args: argparse.Namespace) -> int:
    from pipelines.report import ReportError, ReportOptions, write_report

    _check_range(args)
    try:
        result = write_report(ReportOptions(
            database=args.database, out=args.out, since=args.since, until=args.until, project=args.project,
            environment=args.environment, raw_schema=args.dataset,
        ))
    except ReportError as error:
        raise UsageError(str(error)) from None
    empty = f" ({len(result.empty_charts)} without data in this range)" if result.empty_charts else ""
    print(f"Report written: {result.path.resolve()} ({len(result.figures)} charts{empty})")
    return 0


def _sync_options(args: argparse.Namespace) -> SyncOptions:
    from pipelines.config import check_resource_names
    from pipelines.sync import SyncOptions
    from sources.langfuse.http import RetryPolicy
    from sources.langfuse.privacy import Privacy

    check_resource_names([*(args.resources or []), *args.full_refresh], args.api)
    _check_range(args)
    check_destination_name(args.destination)
    projects = _projects(args)
    if args.max_retries < 0:
        raise UsageError("--max-retries must be 0 or more")
    max_rpm = args.max_rpm if args.max_rpm else settings.PLAN_MAX_RPM.get(args.plan) if args.plan else None
    io_mode = "exclude" if args.exclude_io else "hash" if args.hash_io else "keep"
    return SyncOptions(
        projects=projects, destination=args.destination, database=args.database, dataset_name=args.dataset,
        pipelines_dir=args.pipelines_dir, api=args.api, resources=args.resources, since=args.since,
        until=args.until, lookback=args.lookback, settle_delay=args.settle_delay, chunk_rows=args.chunk_rows,
        concurrency=args.concurrency, full_refresh=args.full_refresh, max_rpm=max_rpm,
        duckdb_memory_limit=args.duckdb_memory, reconcile_days=args.reconcile,
        from_export=args.from_export,
        privacy=Privacy(io=io_mode, metadata="exclude" if args.exclude_metadata else "keep"),
        retry=RetryPolicy(max_retries=args.max_retries), wait_for_lock=args.wait,
    )


def _location(args: argparse.Namespace) -> WarehouseLocation:
    """The one way every command finds its warehouse."""
    from pipelines.location import locate_warehouse

    return locate_warehouse(getattr(args, "destination", "duckdb"), args.database, args.dataset,
                            getattr(args, "pipelines_dir", None))


def run_verify(args: argparse.Namespace) -> int:
    from pipelines import verify as verify_command

    if args.destination not in ("duckdb", "filesystem"):
        raise UsageError("verify reads a DuckDB warehouse or a local Parquet lake (--destination filesystem); "
                         f"read {args.destination} with its own tools")
    _check_range(args)
    projects = _projects(args)
    try:
        window = verify_command.resolve_window(args.since, args.until, settle_delay=args.settle_delay)
    except ValueError as error:
        raise UsageError(str(error)) from None
    location = _location(args)
    report = verify_command.verify(projects, location.database, location.dataset, window, api=args.api,
                                   destination=location.destination)
    print(verify_command.format_report(report, show_matches=args.show_matches))
    return EXIT_OK if report.ok else EXIT_FAILED


def run_sync(options: SyncOptions) -> SyncReport:
    from pipelines.sync import run_sync as sync

    return sync(options)


def print_report(report: SyncReport) -> None:
    from pipelines.reconcile import format_reconcile

    print(f"Synced {len(report.project_ids)} project(s) over the {report.api} API in {report.seconds:.1f}s "
          f"({report.loads} load(s), {report.requests} requests, {sum(report.retries.values())} retried).")
    print(f"Warehouse: {report.warehouse}")
    if report.slowed_server_limit is not None:
        print(f"Note: Langfuse's answers slowed down as requests were added (a loaded server?): requests in "
              f"flight were cut back to {report.slowed_server_limit} (from up to {report.peak_in_flight}).")
    if report.state_repair:
        print(f"Note: {report.state_repair}.")
    for table, count in sorted(report.export_rows.items()):
        print(f"  {table}: {count:,} rows from the blob-storage export")
    if report.nothing_new:
        print("Nothing new: the warehouse was already up to date.")
    else:
        width = max((len(t) for t in report.rows), default=0)
        for table, count in sorted(report.rows.items()):
            print(f"  {table:<{width}}  {count:>10,} rows loaded")
    for resource in sorted({f.resource for f in report.unavailable}):
        hosts = sorted({f.host for f in report.unavailable if f.resource == resource})
        print(f"Not available on this server: {resource} ({', '.join(hosts)} answered 404); skipped.")
    if report.reconcile is not None:
        print(format_reconcile(report.reconcile))
    if report.failed:
        print(f"PARTIAL: {len(report.failed)} resource read(s) failed; everything else was committed, and "
              "the next run reads these again from where they stopped:")
        for failure in report.failed:
            print(f"  FAILED {failure.cause}")


def _marts_database(args: argparse.Namespace) -> str:
    """A DuckDB file is found where sync finds it (relative to the working directory); other
    destinations take their connection from dlt's config, as the sync does."""
    return duckdb_path(args.database, args.dataset) if args.destination == "duckdb" else args.database


def build_marts(args: argparse.Namespace) -> int:
    from transforms import SelectionError, Warehouse, export_parquet
    from transforms import build_marts as build

    check_destination_name(args.destination)
    warehouse = Warehouse(destination=args.destination, database=_marts_database(args), raw_schema=args.dataset,
                          target_schema=args.target_schema)
    try:
        report = build(warehouse, select=args.select, full_refresh=args.full_refresh, verbose=args.verbose)
    except SelectionError as error:
        raise UsageError(str(error)) from None
    print(report.as_table())
    if args.export_parquet and report.built:
        files = export_parquet(warehouse, report, args.export_parquet)
        print(f"Exported {len(files)} mart(s) as Parquet to {args.export_parquet}")
    return EXIT_OK if report.ok else EXIT_FAILED


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "sync":
            options = _sync_options(args)
            with progress.reporting(progress.choose(args.quiet)):
                report = run_sync(options)
            print_report(report)
            return EXIT_PARTIAL if report.partial else EXIT_OK
        elif args.command == "status":
            from pipelines import status as status_command

            status_command.print_status(_location(args), as_json=args.json)
        elif args.command == "verify":
            return run_verify(args)
        elif args.command == "marts":
            with progress.reporting(progress.choose(args.quiet)):
                return build_marts(args)
        elif args.command == "report":
            return run_report(args)
    except WarehouseBusyError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BUSY
    except (LangfuseSyncError, UsageError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


class _WithoutPandas:
    """Finds no pandas. pyarrow imports it (~0.25 s and ~30 MB) the first time it converts any Python
    value, only to ask whether the value is a DataFrame; no command here hands pandas objects to anyone."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r} (langfuse-warehouse runs without it)", name=name)
        return None


def run() -> int:
    """The console entry point (``langfuse-warehouse``, ``python -m pipelines.cli``).

    Skips pandas for the process; ``main`` itself leaves imports alone for callers that embed it.
    """
    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _WithoutPandas())
    # Two malloc arenas for the reader threads, not glibc's eight per core: 1M observations against a
    # local server peaked at 361-366 MB instead of 376-397 (8 readers: 493 instead of 566-593 MB).
    limit_malloc_arenas(2)
    code = main()
    # Everything is committed and closed by now; tearing down the interpreter (dlt, DuckDB, Arrow
    # module state) would add ~0.3 s to every nightly run and every no-op check for nothing.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(run())
