"""The warehouse's working state: the local copy dlt keeps agrees with the one committed in the warehouse.

What this relies on in dlt (the state committed by the newest load, ``Pipeline.drop()`` forgetting the
local copy so the next run restores it) is in sources/langfuse/dlt_compat.py, with its tests.
"""

from __future__ import annotations

import logging

import dlt

from sources.langfuse.dlt_compat import destination_state

log = logging.getLogger("langfuse_warehouse.state")


def repair_local_state(pipeline: dlt.Pipeline) -> tuple[dlt.Pipeline, str | None]:
    """Make the local working state agree with the warehouse, which is the truth; returns the pipeline
    and, when something was repaired, a sentence saying what.

    dlt restores from the destination only when the destination's state version is at least the local
    one, and keeps the local state when the destination holds none: a warehouse deleted or emptied, or
    replaced by a backup, would then be told "nothing new" forever. Pending load packages are left alone:
    they hold the newer state legitimately, and dlt loads them first (or wipes them itself when the
    dataset is gone).
    """
    if pipeline.first_run or pipeline.has_pending_data:
        return pipeline, None
    remote = destination_state(pipeline)
    if remote is None:
        note = "the warehouse holds no sync state (new, emptied or deleted): everything is read again"
    elif remote.get("_version_hash") != pipeline.state.get("_version_hash"):
        note = "the local working state disagreed with the warehouse's: restored from the warehouse"
    else:
        return pipeline, None
    log.warning("%s (%s)", note, pipeline.working_dir)
    return pipeline.drop(), note
