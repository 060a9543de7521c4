"""Which warehouse a command means, resolved the same way for sync, status, verify and marts.

A relative ``--database`` (DuckDB file or local Parquet folder) is relative to where the command runs;
it is made absolute here, before dlt sees it (dlt resolves a relative DuckDB path against the directory
of the pipeline's *first* run, kept in its state).

dlt keeps a pipeline's working state (state, schemas, load packages) in ``pipelines_dir``; its default,
one folder per user for every pipeline of a name, made two warehouses on one machine share one state.
So the default folder is keyed by the warehouse's identity (destination, absolute path, bucket URL or a
configured destination's data location, dataset) under dlt's data folder. The pipeline keeps its name
``langfuse_warehouse``: existing warehouses hold their state under it in ``_dlt_pipeline_state``, and a
new folder restores from there on its first run.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from sources.langfuse.errors import ConfigurationError

# dlt (sources.langfuse.dlt_compat) is imported only where a location needs it (dlt's data folder, a
# configured destination): `marts` on a DuckDB file resolves its path without it, ~1 s sooner.

STATE_FOLDER = "langfuse-warehouse"


@dataclass(frozen=True)
class WarehouseLocation:
    destination: str  # duckdb, filesystem, or a destination configured the dlt way
    database: str  # absolute DuckDB path, absolute local folder or bucket URL; the data location otherwise
    dataset: str
    pipelines_dir: str  # dlt's working state of this warehouse
    lock_path: str  # held by a sync of this warehouse (lock.py)
    is_local: bool  # database is a path on this machine

    @property
    def identity(self) -> str:
        return f"{self.destination}|{self.database}|{self.dataset}"

    def describe(self) -> str:
        return f"{self.destination} {self.database} (dataset {self.dataset})"


def _local_path(value: str) -> str | None:
    """The absolute path a local --database names, or None for a remote URL."""
    parsed = urlparse(value)
    if parsed.scheme == "file":
        return os.path.abspath(parsed.path)
    if parsed.scheme and len(parsed.scheme) > 1:  # one letter: a Windows drive
        return None
    return os.path.abspath(os.path.expanduser(value))


def _folder_name(destination: str, database: str, dataset: str, identity: str) -> str:
    """Readable and unique: ``duckdb-warehouse.duckdb-langfuse-<hash>``."""
    tail = Path(urlparse(database).path or database).name or urlparse(database).netloc
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{destination}-{tail}-{dataset}")[:60]
    return f"{readable}-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"


def check_destination_name(name: str) -> None:
    """Fail before any request when ``--destination`` names nothing dlt knows (a typo, a missing extra).

    dlt's own error is a page of import attempts; one line naming the value is what a user needs.
    """
    if name in ("duckdb", "filesystem"):
        return
    from sources.langfuse.dlt_compat import is_known_destination

    if is_known_destination(name):
        return
    raise ConfigurationError(
        f"unknown destination {name!r}: use duckdb, filesystem, a dlt destination (postgres, bigquery, "
        f"snowflake…) or a named destination configured in .dlt/config.toml ([destination.{name}])"
    )


def duckdb_path(database: str, dataset: str) -> str:
    """The absolute path of a DuckDB warehouse (what ``locate_warehouse(...).database`` says for it)."""
    local = _local_path(database)
    if local is None:
        raise ConfigurationError(f"--database {database}: a DuckDB warehouse is a file on this machine")
    if Path(local).stem == dataset:
        # DuckDB names the catalog after the file: a schema of the same name is ambiguous.
        raise ConfigurationError(
            f"the DuckDB file {local} and the dataset {dataset!r} share a name; "
            "rename one (e.g. --database warehouse.duckdb)"
        )
    return local


def locate_warehouse(destination: str, database: str, dataset: str,
                     pipelines_dir: str | None = None) -> WarehouseLocation:
    from sources.langfuse import dlt_compat

    if destination == "duckdb":
        local = location = duckdb_path(database, dataset)
    elif destination == "filesystem":
        local = _local_path(database)
        location = local or database.rstrip("/")
    else:
        # Where the destination's configuration points (host:port/database…, never credentials).
        local, location = None, dlt_compat.configured_location(destination) or "configured"
    identity = f"{destination}|{location}|{dataset}"
    state_root = Path(dlt_compat.data_dir()) / STATE_FOLDER / _folder_name(destination, location, dataset, identity)
    # A local warehouse's lock sits beside it, so every user and every --pipelines-dir writing that file
    # sees it; a remote one can only be locked on this machine, in its state folder.
    lock_path = f"{local}.sync.lock" if local else str(state_root / "sync.lock")
    return WarehouseLocation(
        destination=destination, database=location, dataset=dataset,
        pipelines_dir=os.path.abspath(pipelines_dir) if pipelines_dir else str(state_root),
        lock_path=lock_path, is_local=local is not None,
    )
