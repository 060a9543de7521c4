"""One API page → one Arrow table, column by column (never row by row into dlt's normaliser)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
import pyarrow as pa

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SNAKE_CACHE: dict[str, str] = {}

ARROW_TYPES: dict[str, pa.DataType] = {
    "timestamp": pa.timestamp("us", tz="UTC"),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "bool": pa.bool_(),
    "json": pa.string(),
    "text": pa.string(),
}


def snake_case(name: str) -> str:
    cached = _SNAKE_CACHE.get(name)
    if cached is None:
        cached = _SNAKE_CACHE[name] = _CAMEL_BOUNDARY.sub("_", name).lower()
    return cached


def snake_case_keys(row: Mapping[str, Any]) -> dict[str, Any]:
    return {snake_case(key): value for key, value in row.items()}


def _json_text(values: Iterable[Any]) -> list[str | None]:
    return [None if v is None else orjson.dumps(v).decode() for v in values]


def _column(values: list[Any], data_type: str) -> pa.Array:
    if data_type == "json":
        return pa.array(_json_text(values), pa.string())
    if data_type == "timestamp":
        return pa.array(values, pa.string()).cast(ARROW_TYPES["timestamp"])
    if data_type == "bigint":
        return pa.array([None if v is None else int(v) for v in values], pa.int64())
    if data_type == "double":
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if data_type == "bool":
        return pa.array([None if v is None else bool(v) for v in values], pa.bool_())
    if all(v is None or isinstance(v, str) for v in values):
        return pa.array(values, pa.string())
    # A text column that received numbers or objects: keep the value, as its JSON text.
    return pa.array([v if v is None or isinstance(v, str) else orjson.dumps(v).decode() for v in values])


def infer_type(values: list[Any]) -> str | None:
    """A column no declaration names (a field Langfuse added): text if it is text, else JSON."""
    present = [v for v in values if v is not None]
    if not present:
        return None  # nothing to type it by: dlt adds the column when a value arrives
    return "text" if all(isinstance(v, str) for v in present) else "json"


def rows_to_table(rows: list[dict[str, Any]], declared: Mapping[str, str]) -> tuple[pa.Table, dict[str, str]]:
    """Build the page's table; returns it with the types of the undeclared columns it found."""
    names: dict[str, None] = dict.fromkeys(declared)
    for row in rows:
        names.update(dict.fromkeys(row))
    arrays: list[pa.Array] = []
    fields: list[str] = []
    discovered: dict[str, str] = {}
    for name in names:
        values = [row.get(name) for row in rows]
        data_type = declared.get(name)
        if data_type is None:
            data_type = infer_type(values)
            if data_type is None:
                continue
            discovered[name] = data_type
        try:
            arrays.append(_column(values, data_type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as error:
            raise ValueError(f"column {name!r} does not hold {data_type} values: {error}") from error
        fields.append(name)
    return pa.Table.from_arrays(arrays, names=fields), discovered
