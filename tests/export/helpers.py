"""An export of the simulator's data beside a live simulator, and the export-aware ground-truth check."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tests.sync.helpers import differences

# The export writes observations and scores only up to here; the API path reads on from it.
EXPORT_UNTIL = datetime(2026, 11, 10, tzinfo=UTC)

# Columns Langfuse's export does not hold, so rows only the export loaded have them null.
NOT_IN_EXPORT = {
    "observations": ("input_price", "output_price", "total_price"),  # only JSON/JSONL/CSV carry prices
    "scores": ("metadata", "config_id", "author_user_id", "queue_id"),  # not among the export's columns
}


def ignored_columns(table: str, file_format: str) -> tuple[str, ...]:
    if table == "observations" and file_format != "parquet":
        return ()
    return NOT_IN_EXPORT[table]


def export_differences(workdir: Path, truth: dict, file_format: str,
                       tables: tuple[str, ...] = ("observations", "scores")) -> list[str]:
    """The warehouse (rows marked deleted upstream set aside, as the marts do) against the ground truth."""
    with duckdb.connect(str(workdir / "warehouse.duckdb")) as con:
        for table in tables:
            con.execute(f"delete from langfuse.{table} where deleted_at is not null")
    return without_app_root_limit(truth, [
        problem for table in tables
        for problem in differences(workdir, truth, table, "proj-demo", ignore=ignored_columns(table, file_format),
                                   uncut_metadata_ok=True)])


def without_app_root_limit(truth: dict, problems: list[str]) -> list[str]:
    """``problems`` but those an export without is_root_observation cannot avoid.

    Files written before the export had the column (the simulator's older windows, the legacy layout)
    leave it to be derived from the parent: an app root, whose parent is an upstream service's span,
    cannot be told from a child whose parent is in another file, so it loads as a child.
    """
    app_roots = {f"observations('proj-demo', '{o['traceId']}', '{o['id']}'): "
                 "is_root_observation expected True, got False"
                 for o in truth["observations"] if o["isRootObservation"] and o["parentObservationId"]}
    return [problem for problem in problems if problem not in app_roots]
