"""A read drops a primary key it already yielded: the merge relies on it (deduplicated hint)."""

from sources.langfuse.page_tables import PageTables
from sources.langfuse.specs import specs_for


def _row(trace_id: str, obs_id: str, name: str) -> dict:
    return {"id": obs_id, "traceId": trace_id, "name": name, "startTime": "2026-01-01T00:00:00.000Z"}


def test_a_row_served_twice_in_one_read_is_yielded_once():
    page_tables = PageTables(specs_for("v4")["observations"], "p1")
    pages = [
        [_row("t1", "a", "first"), _row("t1", "b", "x"), _row("t1", "b", "same page again")],
        [_row("t2", "a", "other trace, same id"), _row("t1", "a", "moved, served again")],
    ]
    tables = list(page_tables.tables_of(pages))
    keys = [(r["trace_id"], r["id"], r["name"]) for t in tables for r in t.to_pylist()]
    assert keys == [("t1", "a", "first"), ("t1", "b", "x"), ("t2", "a", "other trace, same id")]
    assert page_tables.rows_read == 3
    assert set(tables[0]["project_id"].to_pylist()) == {"p1"}
