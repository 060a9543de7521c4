"""Compare the models of two builds (DuckDB, PostgreSQL, incremental, full) row for row."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import yaml

from transforms import PROJECT_DIR


def model_keys(layers: tuple[str, ...] = ("intermediate", "marts")) -> dict[str, list[str]]:
    """Model name -> its key columns, as the YAML declares them (config.meta.key)."""
    keys = {}
    for layer in layers:
        for path in sorted((PROJECT_DIR / "models" / layer).glob("_*.yml")):
            for model in yaml.safe_load(path.read_text())["models"]:
                keys[model["name"]] = model["config"]["meta"]["key"]
    return keys


def normalize(value: Any) -> Any:
    """One Python form per value whatever the engine: UTC datetimes, floats, dicts for JSON and maps."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return normalize(json.loads(value))
        except ValueError:
            return value
    if isinstance(value, dict):
        return {str(k): normalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    return value


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


# The incremental watermark differs by design between builds (rows of days not rebuilt keep theirs).
NOT_COMPARED = {"_changed_through"}


def keyed_rows(columns: list[str], rows: list[tuple], key: list[str]) -> dict[tuple, dict[str, Any]]:
    keyed = {}
    for row in rows:
        record = {name: normalize(value) for name, value in zip(columns, row, strict=True) if name not in NOT_COMPARED}
        keyed[tuple(str(record[column]) for column in key)] = record
    return keyed


def duckdb_model(database: Path, schema: str, model: str, key: list[str]) -> dict[tuple, dict[str, Any]]:
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute(f'select * from {schema}."{model}"')
        columns = [c[0] for c in cursor.description]
        return keyed_rows(columns, cursor.fetchall(), key)


def postgres_model(connection: Any, schema: str, model: str, key: list[str]) -> dict[tuple, dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(f'select * from {schema}."{model}"')
        columns = [c.name for c in cursor.description]
        return keyed_rows(columns, cursor.fetchall(), key)


def differences(model: str, expected: dict[tuple, dict], actual: dict[tuple, dict], limit: int = 5) -> list[str]:
    found = []
    for key in sorted(expected.keys() - actual.keys())[:limit]:
        found.append(f"{model}: row {key} missing")
    for key in sorted(actual.keys() - expected.keys())[:limit]:
        found.append(f"{model}: row {key} unexpected")
    for key in sorted(expected.keys() & actual.keys()):
        left, right = expected[key], actual[key]
        if left.keys() != right.keys():
            return found + [f"{model}: columns differ: {sorted(left.keys() ^ right.keys())}"]
        for column in left:
            if not same(left[column], right[column]):
                found.append(f"{model}: row {key} column {column}: {left[column]!r} != {right[column]!r}")
        if len(found) >= limit:
            break
    return found
