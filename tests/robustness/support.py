"""What the robustness tests share: quick retries, upstream edits, and the 'nothing lost' checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.sync import SyncReport
from simulator import Simulator
from sources.langfuse.failures import ResourceFailure
from sources.langfuse.http import RetryPolicy
from tests.sync.helpers import differences

# A persistent fault is given up on after three tries, without the production backoff.
GIVE_UP_FAST = RetryPolicy(max_retries=2, backoff_base=0.0, backoff_cap=0.0, retry_after_cap=0.0)


def observations_newest_first(sim: Simulator) -> list[dict[str, Any]]:
    """In the order /v2/observations pages them: the first 1,000 are page one, the rest page two."""
    return sorted(sim.store.observations, key=lambda o: o["startTime"], reverse=True)


def edit_observations(sim: Simulator, ids: set[str], **fields: Any) -> None:
    """Change stored rows as the server would serve them, including fields no Langfuse version has yet."""
    with sim.store.lock:
        sim.store.observations = [dict(o) | fields if o["id"] in ids else o for o in sim.store.observations]
        sim.store.bump()


def warehouse_keys(workdir: Path, table: str, key: str) -> list[tuple]:
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(f'select project_id, {key} from langfuse."{table}"').fetchall()


def assert_exact_copy(sim: Simulator, workdir: Path, project_id: str, *tables: str) -> None:
    """Every row and column as the API serves it, and no key twice."""
    truth = sim.ground_truth()
    for table in tables:
        assert differences(workdir, truth, table, project_id) == [], table
        key = "trace_id, id" if table == "observations" else "id"
        keys = warehouse_keys(workdir, table, key)
        assert len(keys) == len(set(keys)), f"{table}: a row was loaded twice"


def assert_one_clear_line(message: str, *mentions: str) -> None:
    assert "\n" not in message, message
    for mention in mentions:
        assert mention in message, f"{mention!r} not in: {message}"


def the_one_failure(report: SyncReport) -> ResourceFailure:
    """A run where one resource stopped alone: partial, and that resource's failure."""
    assert report.partial, "the run was not partial"
    [failure] = report.failed
    return failure
