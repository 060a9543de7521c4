"""Undo what a kill -9 can leave half-done in dlt's working directory, before the next run.

dlt's normalize step moves a package to ``load/normalized/<id>`` and only then deletes
``normalize/extracted/<id>``. A process killed between the two leaves both copies, and every later run
fails renaming ``load/new/<id>`` onto the existing ``load/normalized/<id>`` (dlt 1.31). The normalized
copy is complete (its move is the commit point), so the extracted copy and any ``load/new`` leftover of
the same id are redundant: removing them lets the pending load finish as dlt intended.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

log = logging.getLogger("langfuse_warehouse.recovery")


def clear_half_committed_packages(working_dir: str | Path) -> list[str]:
    """Remove extracted/new copies of packages already normalized or loaded; returns their ids."""
    root = Path(working_dir)
    committed = {
        package.name
        for stage in ("load/normalized", "load/loaded")
        if (root / stage).is_dir()
        for package in (root / stage).iterdir()
    }
    removed = []
    for stage in ("normalize/extracted", "load/new"):
        folder = root / stage
        if not folder.is_dir():
            continue
        for package in folder.iterdir():
            if package.name in committed:
                shutil.rmtree(package)
                removed.append(package.name)
                log.warning("removed a half-committed copy of load package %s (%s)", package.name, stage)
    return removed
