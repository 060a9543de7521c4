"""Rows already parsed into Python dicts → one Arrow table, column by column (never row by row into dlt).

The general path from a page to Arrow, and the one that defines the tables' names and types: every
page whose rows Python holds goes through ``rows_to_table`` (shaped rows, full reads, pages the
columnar decoder declined). ``columnar.py`` is the fast path for raw JSON bytes of windowed reads;
it reproduces these rules exactly and falls back to this module when it cannot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from itertools import chain
from typing import Any

import orjson
import pyarrow as pa

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SUB_MICROSECOND = re.compile(r"(\.\d{6})\d+")
_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False}
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
        # Nanoseconds (some SDKs send them) are cut to the warehouse's microseconds, not refused.
        trimmed = [v if v is None else _SUB_MICROSECOND.sub(r"\1", v) for v in values]
        return pa.array(trimmed, pa.string()).cast(ARROW_TYPES["timestamp"])
    if data_type == "bigint":
        return pa.array([None if v is None else int(v) for v in values], pa.int64())
    if data_type == "double":
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if data_type == "bool":
        return pa.array([None if v is None else _bool(v) for v in values], pa.bool_())
    if all(v is None or isinstance(v, str) for v in values):
        return pa.array(values, pa.string())
    # A text column that received numbers or objects: keep the value, as its JSON text.
    return pa.array([v if v is None or isinstance(v, str) else orjson.dumps(v).decode() for v in values])


def _bool(value: Any) -> bool:
    if isinstance(value, str):  # "false" is a true string: read the word, refuse anything else
        try:
            return _BOOL_TEXT[value.strip().lower()]
        except KeyError:
            raise ValueError(f"{value!r} is not a boolean") from None
    return bool(value)


def infer_type(values: Iterable[Any]) -> str | None:
    """A column no declaration names (a field Langfuse added): text if it is text, else JSON.

    Decided by the first value present; a page whose later values disagree falls back to the
    value-by-value path, which keeps them as their JSON text.
    """
    for value in values:
        if value is not None:
            return "text" if isinstance(value, str) else "json"
    return None  # nothing to type it by: dlt adds the column when a value arrives


def rows_to_table(rows: list[dict[str, Any]], declared: Mapping[str, str]) -> tuple[pa.Table, dict[str, str]]:
    """Build the page's table; returns it with the types of the undeclared columns it found.

    Rows may carry the API's camelCase keys: columns are named in snake_case here, once per page
    rather than once per row. Column by column: one list of values per column, which Arrow converts
    in C against the column's type; only JSON values, and a column whose values Arrow rejects,
    take a value-by-value Python pass (per-row loops over every key cost more than the conversion).
    """
    keys = dict.fromkeys(chain.from_iterable(rows))  # every key of the page, in first-seen order
    names: list[str] = []
    arrays: list[pa.Array] = []
    discovered: dict[str, str] = {}
    for key in keys:
        name = snake_case(key)
        values = [row.get(key) for row in rows]
        data_type = declared.get(name)
        if data_type is None:
            data_type = infer_type(values)
            if data_type is None:
                continue  # nothing to type it by: dlt adds the column when a value arrives
            discovered[name] = data_type
        try:
            arrays.append(_fast_column(values, data_type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            arrays.append(_checked_column(name, values, data_type))
        names.append(name)
    for name, data_type in declared.items():
        if name not in names:
            names.append(name)
            arrays.append(pa.nulls(len(rows), ARROW_TYPES[data_type]))
    return pa.Table.from_arrays(arrays, names=names), discovered


def _fast_column(values: list[Any], data_type: str) -> pa.Array:
    """The common case, all in C; raises when a value does not fit (the caller then goes slowly)."""
    if data_type == "json":
        # bytes → string is a zero-copy cast (with a UTF-8 check): no per-value decode in Python.
        return pa.array([None if v is None else orjson.dumps(v) for v in values], pa.binary()).cast(pa.string())
    if data_type == "timestamp":
        return pa.array(values, pa.string()).cast(ARROW_TYPES["timestamp"])
    return pa.array(values, ARROW_TYPES[data_type])


def _checked_column(name: str, values: list[Any], data_type: str) -> pa.Array:
    """Value by value: numbers sent as strings, text columns that received objects; names the culprit."""
    try:
        return _column(values, data_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as error:
        raise ValueError(f"column {name!r} does not hold {data_type} values: {error}") from error
