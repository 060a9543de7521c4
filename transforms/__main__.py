"""`python -m transforms --database PATH`: build the marts and print what was built."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from transforms.key_tests import run_model_tests
from transforms.runner import DEFAULT_RAW_SCHEMA, DEFAULT_SQL_DIR, DEFAULT_TARGET_SCHEMA, build_models


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m transforms", description=__doc__)
    parser.add_argument("--database", required=True, help="DuckDB database file holding the raw tables")
    parser.add_argument(
        "--raw-schema", default=DEFAULT_RAW_SCHEMA, help="schema the sync wrote (default: %(default)s)"
    )
    parser.add_argument(
        "--target-schema", default=DEFAULT_TARGET_SCHEMA, help="schema for the models (default: %(default)s)"
    )
    parser.add_argument(
        "--sql-dir", default=str(DEFAULT_SQL_DIR), help="folder of SQL models (default: the repo's sql/)"
    )
    parser.add_argument(
        "--select",
        help="comma-separated model names to build; prefix a name with + to build what it reads too",
    )
    parser.add_argument("--no-test", action="store_true", help="skip the key tests after building")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    select = [name.strip() for name in args.select.split(",") if name.strip()] if args.select else None
    with duckdb.connect(args.database) as con:
        report = build_models(
            con,
            raw_schema=args.raw_schema,
            target_schema=args.target_schema,
            sql_dir=Path(args.sql_dir),
            select=select,
        )
        print(report.as_table())
        failures = (
            []
            if args.no_test
            else run_model_tests(
                con, target_schema=args.target_schema, sql_dir=Path(args.sql_dir), select=select
            )
        )
    for failure in failures:
        print(f"key test failed: {failure}", file=sys.stderr)
    return 0 if report.ok and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
