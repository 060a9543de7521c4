"""Every assumption this project makes about dlt beyond its documented API (checked against dlt 1.31).

No other module of ours imports from dlt's private or implementation paths (``dlt.common.*``,
``dlt.destinations.impl.*``) or calls a private method: they go through the names below, and
tests/compat/test_dlt_compat.py checks each assumption with one test that names it, so a dlt upgrade
that breaks one fails that test rather than a sync at night. Public API (``dlt.pipeline``,
``dlt.resource``, ``dlt.source``, ``dlt.destinations.<name>(...)``, ``dlt.current``) is used directly.

1. Merge hints: the ``deduplicated`` key of a merge write disposition becomes the table hint
   ``x-stage-data-deduplicated`` in the load package's schema.json, which the merge job reads to skip
   its own deduplication of the staging table (pipelines/recovery.py turns it off for a package whose
   load was interrupted).
2. Load packages live in the pipeline's working folder: ``normalize/extracted/<id>`` after extract,
   ``load/new/<id>`` during normalize, ``load/normalized/<id>`` when normalized (the move is the commit
   point), ``load/loaded/<id>`` when loaded; each holds ``schema.json`` and job folders
   (``started_jobs`` while a load runs).
3. DuckDB settings: ``DuckDbCredentials(path, global_config=...)`` applies the settings to every
   connection of the load (there is no public way to pass them).
4. The per-user data folder is ``run_context().data_dir`` (``~/.dlt``, ``DLT_DATA_DIR`` when set).
5. A destination configured the dlt way names its ``data_location()`` without secrets; an unknown
   destination name raises ``UnknownDestinationModule`` from ``Destination.from_reference``; a
   destination's configuration for one dataset is resolved from ``spec()._bind_dataset_name(...)``
   (``ConfigFieldMissingException`` naming the missing ``fields``).
6. ``Pipeline._restore_state_from_destination()`` returns the state of the newest committed load
   (None when the dataset holds none; ``DestinationUndefinedEntity`` when the dataset does not exist);
   the state column holds it compressed (``decompress_state``).
7. Filesystems: ``FilesystemConfiguration`` picks the credentials class from a URL's scheme and resolves
   it from config sections; ``fsspec_from_config`` turns it into an fsspec filesystem.
8. dlt logs "several column hints were different" (logger ``dlt``) when an Arrow type differs from a
   column hint: JSON columns travel as strings under a json hint on purpose, so that notice is noise.
9. Every failure of a destination client (a server stopped, a connection cut) is, or is caused by, a
   ``DestinationException``: the sync reports it as one line naming the warehouse.
10. Fault tests only: DuckDB's copy job class is ``dlt.destinations.impl.duckdb.duck.DuckDbCopyJob``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import dlt
from dlt.common.configuration.exceptions import ConfigFieldMissingException, ConfigurationException
from dlt.common.destination import Destination
from dlt.common.destination.exceptions import (
    DestinationException,
    DestinationUndefinedEntity,
    UnknownDestinationModule,
)
from dlt.common.versioned_state import decompress_state
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

__all__ = [
    "ConfigFieldMissingException", "ConfigurationException", "DestinationException", "destination_configuration",
    "destination_reference",
    "DEDUPLICATED_HINT", "PACKAGE_SCHEMA", "STARTED_JOBS", "configured_location",
    "data_dir", "decompress_state", "destination_state", "duckdb_copy_job_class", "duckdb_destination",
    "is_known_destination", "merge_on_keys", "open_filesystem", "package_folder", "quiet_expected_hint_notice",
]

# 1. merge hints
DEDUPLICATED_HINT = "x-stage-data-deduplicated"


def merge_on_keys(*, deduplicated: bool) -> dict[str, Any]:
    """A delete-insert merge on the primary key; ``deduplicated`` promises that no key repeats in a load."""
    return {"disposition": "merge", "strategy": "delete-insert", "deduplicated": deduplicated}


# 2. load package folders, by stage
EXTRACTED = "normalize/extracted"
NEW = "load/new"
NORMALIZED = "load/normalized"
LOADED = "load/loaded"
PACKAGE_SCHEMA = "schema.json"
STARTED_JOBS = "started_jobs"


def package_folder(working_dir: str | Path, stage: str) -> Path:
    """The folder holding the load packages of ``stage`` (EXTRACTED, NEW, NORMALIZED or LOADED)."""
    return Path(working_dir) / stage


# 3. DuckDB settings
def duckdb_destination(database: str, settings: dict[str, Any]) -> Any:
    """A DuckDB destination whose every connection gets ``settings`` (SET name = value)."""
    return dlt.destinations.duckdb(DuckDbCredentials(database, global_config=settings))


# 4. the data folder
def data_dir() -> str:
    return dlt.current.run_context().data_dir


# 5. destinations configured the dlt way
def destination_reference(name: str) -> Any | None:
    """dlt's destination of that name (a module name or a named destination), None when it knows none."""
    try:
        return Destination.from_reference(name)
    except UnknownDestinationModule:
        return None


def is_known_destination(name: str) -> bool:
    return destination_reference(name) is not None


def destination_configuration(reference: Any, dataset: str) -> Any:
    """The destination's configuration resolved the dlt way for ``dataset``; raises
    ``ConfigFieldMissingException`` (its ``fields`` name what is missing)."""
    return reference.configuration(reference.spec()._bind_dataset_name(dataset_name=dataset))


def configured_location(destination: str) -> str | None:
    """Where a destination configured the dlt way (``.dlt/secrets.toml``, env vars) keeps its data, or
    None when its configuration is incomplete here (the run then fails with dlt's own message)."""
    try:
        reference = Destination.from_reference(destination)
        return reference.configuration(reference.spec(), accept_partial=True).data_location()
    except Exception:  # noqa: BLE001 - an unresolvable configuration only costs the key its precision
        return None


# 6. the state committed in the destination
def destination_state(pipeline: dlt.Pipeline) -> dict | None:
    """The pipeline state committed in the warehouse by its newest load, or None."""
    try:
        return pipeline._restore_state_from_destination()
    except DestinationUndefinedEntity:  # the dataset (or the whole warehouse) is gone
        return None


# 7. filesystems
def open_filesystem(url: str, sections: tuple[str, ...]) -> tuple[Any, str]:
    """The fsspec filesystem of ``url`` and the path on it, credentials resolved from ``sections``.

    Raises ``ConfigurationException``, ``ImportError`` (a missing fsspec backend) or ``ValueError``.
    """
    # Imported here: fsspec costs every command's start-up, and only --from-export needs it.
    from dlt.common.configuration import resolve_configuration
    from dlt.common.storages.configuration import FilesystemConfiguration
    from dlt.common.storages.fsspec_filesystem import fsspec_from_config

    config = resolve_configuration(FilesystemConfiguration(bucket_url=url), sections=sections)
    return fsspec_from_config(config)


# 8. dlt's notice about JSON columns
EXPECTED_HINT_NOTICE = "several column hints were different"


class _ExpectedHintDifference(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return EXPECTED_HINT_NOTICE not in record.getMessage()


_HINT_FILTER = _ExpectedHintDifference()


def quiet_expected_hint_notice() -> None:
    logging.getLogger("dlt").addFilter(_HINT_FILTER)  # adding the same filter twice is a no-op


# 9. fault injection in tests
def duckdb_copy_job_class() -> type:
    from dlt.destinations.impl.duckdb.duck import DuckDbCopyJob

    return DuckDbCopyJob
