"""Undo what a kill -9 can leave half-done in dlt's working directory, before the next run.

Two cases. A package left both extracted and normalized (below). And a load killed between DuckDB
committing a job's copy into the staging table and dlt writing that down: the resumed load runs the copy
again, so the staging table holds those rows twice, and the merge, told the staged data is already
deduplicated (the reader drops repeated keys), would insert both. Such a package is told otherwise.

dlt's normalize step moves a package to ``load/normalized/<id>`` and only then deletes
``normalize/extracted/<id>``. A process killed between the two leaves both copies, and every later run
fails renaming ``load/new/<id>`` onto the existing ``load/normalized/<id>`` (dlt 1.31; the layout: dlt_compat).
The normalized
copy is complete (its move is the commit point), so the extracted copy and any ``load/new`` leftover of
the same id are redundant: removing them lets the pending load finish as dlt intended.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

from sources.langfuse.dlt_compat import (
    DEDUPLICATED_HINT,
    EXTRACTED,
    LOADED,
    NEW,
    NORMALIZED,
    PACKAGE_SCHEMA,
    STARTED_JOBS,
    package_folder,
)

log = logging.getLogger("langfuse_warehouse.recovery")


def clear_half_committed_packages(working_dir: str | Path) -> list[str]:
    """Remove extracted/new copies of packages already normalized or loaded; returns their ids."""
    committed = {
        package.name
        for stage in (NORMALIZED, LOADED)
        if package_folder(working_dir, stage).is_dir()
        for package in package_folder(working_dir, stage).iterdir()
    }
    removed = []
    for stage in (EXTRACTED, NEW):
        folder = package_folder(working_dir, stage)
        if not folder.is_dir():
            continue
        for package in folder.iterdir():
            if package.name in committed:
                shutil.rmtree(package)
                removed.append(package.name)
                log.warning("removed a half-committed copy of load package %s (%s)", package.name, stage)
    return removed


def deduplicate_interrupted_loads(working_dir: str | Path) -> list[str]:
    """Make dlt deduplicate the staged rows of every package whose load was interrupted; returns their ids.

    Costs that package's merge dlt's own deduplication (slower, same result); packages loaded without
    interruption keep the fast path.
    """
    normalized = package_folder(working_dir, NORMALIZED)
    if not normalized.is_dir():
        return []
    changed = []
    for package in sorted(normalized.iterdir()):
        started = package / STARTED_JOBS
        schema_file = package / PACKAGE_SCHEMA
        if not (started.is_dir() and any(started.iterdir()) and schema_file.is_file()):
            continue
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
        tables = [t for t in schema.get("tables", {}).values() if t.get(DEDUPLICATED_HINT)]
        if not tables:
            continue
        for table in tables:
            table[DEDUPLICATED_HINT] = False
        scratch = schema_file.with_suffix(".json.tmp")
        scratch.write_text(json.dumps(schema), encoding="utf-8")
        os.replace(scratch, schema_file)
        changed.append(package.name)
        log.warning("load package %s was interrupted mid-load: its merge deduplicates the staged rows", package.name)
    return changed
