"""The structured ``filter`` query parameter (a JSON array of conditions) shared by the v4 lists.

Each endpoint maps the filter's column names onto its row keys. As on the real server, a condition on a
column replaces the simple query parameter for that column only; the other simple parameters still apply.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from simulator.endpoints.base import Request, invalid_request, zod_issue
from simulator.endpoints.params import normalise_iso
from simulator.store import Row

Condition = Callable[[Row], bool]

_TYPES = {
    "datetime",
    "string",
    "number",
    "stringOptions",
    "categoryOptions",
    "arrayOptions",
    "stringObject",
    "numberObject",
    "boolean",
    "null",
}


def _issue(message: str):
    return invalid_request([zod_issue("filter", message)])


def _compare(operator: str, left: Any, right: Any) -> bool:
    if left is None:
        return False
    if operator in ("=", "=="):
        return left == right
    if operator == "<>":
        return left != right
    if operator == ">":
        return left > right
    if operator == "<":
        return left < right
    if operator == ">=":
        return left >= right
    if operator == "<=":
        return left <= right
    raise _issue(f"Unsupported operator {operator!r}")


def _string_match(operator: str, value: Any, wanted: str) -> bool:
    text = value if isinstance(value, str) else ("" if value is None else orjson.dumps(value).decode())
    if operator == "=":
        return text == wanted
    if operator == "contains":
        return wanted in text
    if operator == "does not contain":
        return wanted not in text
    if operator == "starts with":
        return text.startswith(wanted)
    if operator == "ends with":
        return text.endswith(wanted)
    if operator == "matches":
        return re.search(re.escape(wanted), text, re.IGNORECASE) is not None
    raise _issue(f"Unsupported string operator {operator!r}")


def _condition(spec: dict[str, Any], key: str) -> Condition:
    kind, operator, wanted = spec.get("type"), spec.get("operator"), spec.get("value")
    if kind not in _TYPES or not isinstance(operator, str):
        raise _issue(f"Invalid filter condition {spec!r}")
    if kind == "null":
        if operator not in ("is null", "is not null"):
            raise _issue(f"Unsupported null operator {operator!r}")
        return lambda row: (row.get(key) is None) == (operator == "is null")
    if kind == "datetime":
        moment = normalise_iso(str(wanted))
        if moment is None:
            raise _issue(f"Invalid datetime {wanted!r}")
        return lambda row: _compare(operator, row.get(key), moment)
    if kind in ("number", "boolean"):
        return lambda row: _compare(operator, row.get(key), wanted)
    if kind == "string":
        return lambda row: _string_match(operator, row.get(key), str(wanted))
    if kind in ("stringOptions", "categoryOptions", "arrayOptions"):
        options = set(wanted or [])

        def in_options(row: Row) -> bool:
            value = row.get(key)
            values = set(value) if isinstance(value, list) else {value}
            if operator == "any of":
                return bool(values & options)
            if operator == "none of":
                return not values & options
            if operator == "all of":
                return options <= values
            raise _issue(f"Unsupported options operator {operator!r}")

        return in_options
    # stringObject / numberObject: one key of an object column such as metadata.
    object_key = spec.get("key")
    if not isinstance(object_key, str):
        raise _issue(f"{kind} filters need a key")

    def on_object(row: Row) -> bool:
        value = (row.get(key) or {}).get(object_key)
        if kind == "numberObject":
            return isinstance(value, (int, float)) and _compare(operator, value, wanted)
        return _string_match(operator, value, str(wanted))

    return on_object


def parse_filter(request: Request, columns: dict[str, str]) -> tuple[dict[str, list[Condition]], tuple]:
    """({column: conditions}, a hashable cache key) for ``filter``; unknown columns are a 400."""
    raw = request.get("filter")
    if not raw:
        return {}, ()
    try:
        specs = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _issue("filter is not valid JSON") from None
    if not isinstance(specs, list) or not all(isinstance(spec, dict) for spec in specs):
        raise _issue("filter must be a JSON array of conditions")
    by_column: dict[str, list[Condition]] = {}
    for spec in specs:
        column = spec.get("column")
        if column not in columns:
            raise _issue(f"Invalid filter column {column!r}; supported: {', '.join(sorted(columns))}")
        by_column.setdefault(column, []).append(_condition(spec, columns[column]))
    return by_column, (raw,)


def conditions_match(row: Row, by_column: dict[str, list[Condition]]) -> bool:
    return all(condition(row) for conditions in by_column.values() for condition in conditions)
