"""What this project assumes about dlt 1.31 beyond its documented API, for the warehouse's working state.

Kept in one module, each assumption checked by tests/anywhere/test_dlt_state.py, so an upgrade of dlt
breaks one test that names it rather than a sync at night:

- ``run_context().data_dir`` is dlt's per-user data folder (``~/.dlt``, ``/var/dlt`` for root,
  ``DLT_DATA_DIR`` when set), where it keeps pipelines by default.
- A destination's resolved configuration names its ``data_location()`` without secrets
  (``host:port/database`` for postgres).
- ``Pipeline._restore_state_from_destination()`` returns the state of the newest committed load held in
  the destination (None when the dataset has none; ``DestinationUndefinedEntity`` when it does not exist),
  with the ``_version_hash`` the local state carries after that same load.
- ``Pipeline.drop()`` forgets the local working state; the next ``run`` then restores state and schemas
  from the destination (``restore_from_destination``, on by default).
"""

from __future__ import annotations

import logging

import dlt
from dlt.common.destination.exceptions import DestinationUndefinedEntity

log = logging.getLogger("langfuse_warehouse.state")


def data_dir() -> str:
    return dlt.current.run_context().data_dir


def configured_location(destination: str) -> str | None:
    """Where a destination configured the dlt way (``.dlt/secrets.toml``, env vars) keeps its data, or
    None when its configuration is incomplete here (the run then fails with dlt's own message)."""
    from dlt.common.destination import Destination

    try:
        reference = Destination.from_reference(destination)
        return reference.configuration(reference.spec(), accept_partial=True).data_location()
    except Exception:  # noqa: BLE001 - an unresolvable configuration only costs the key its precision
        return None


def destination_state(pipeline: dlt.Pipeline) -> dict | None:
    """The pipeline state committed in the warehouse by its newest load, or None."""
    try:
        return pipeline._restore_state_from_destination()
    except DestinationUndefinedEntity:  # the dataset (or the whole warehouse) is gone
        return None


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
