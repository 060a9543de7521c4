"""The export's manifests: the unit of work; data files are never found by listing folders.

Langfuse writes ``{prefix}{projectId}/manifests/{ts}.json`` once every table of a run is uploaded.
Data files of a failed attempt (no manifest) are never read; files are read in the format their
manifest entry names. The export URL may point at the project folder or at a prefix above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from sources.langfuse.errors import ConfigurationError
from sources.langfuse.windows import parse_ts

SUPPORTED_VERSION = 1
TEXT_FORMATS = ("json", "jsonl", "csv")


@dataclass(frozen=True)
class ExportFile:
    path: str  # on the export's filesystem
    table: str  # observations_v2 | observations | scores | traces
    file_type: str  # parquet | json | jsonl | csv
    compressed: bool
    size_bytes: int | None
    row_count: int | None


@dataclass(frozen=True)
class Manifest:
    name: str  # the manifest's file name: the run's ts; the key of its state
    project_id: str
    window_min: datetime  # inclusive
    window_max: datetime  # inclusive
    files: tuple[ExportFile, ...]

    def files_of(self, table: str) -> list[ExportFile]:
        return [f for f in self.files if f.table == table]


def list_manifests(fs: Any, root: str) -> list[Manifest]:
    """Every manifest under ``root`` (the project folder, or a prefix of project folders), oldest window first."""
    # The project folder, one above it, or anywhere below (a deep prefix): the cheapest listing first.
    paths = (fs.glob(f"{root}/manifests/*.json") or fs.glob(f"{root}/*/manifests/*.json")
             or fs.glob(f"{root}/**/manifests/*.json"))
    if not paths and not fs.exists(root):
        raise ConfigurationError(f"the export folder {root} does not exist")
    manifests = [read_manifest(fs, path) for path in paths]
    return sorted(manifests, key=lambda m: (m.window_max, m.window_min, m.name))


def read_manifest(fs: Any, path: str) -> Manifest:
    try:
        with fs.open(path, "rb") as handle:
            body = orjson.loads(handle.read())
        if body.get("version") != SUPPORTED_VERSION:
            raise ValueError(f"version {body.get('version')!r}; this loader reads version {SUPPORTED_VERSION}")
        project_id = body["projectId"]
        project_dir = path.rsplit("/", 2)[0]  # …/{projectId}/manifests/{ts}.json
        files = tuple(_file(entry, project_id, project_dir) for entry in body["files"])
        return Manifest(
            name=path.rsplit("/", 1)[1].removesuffix(".json"),
            project_id=project_id,
            window_min=parse_ts(body["window"]["minTimestamp"]),
            window_max=parse_ts(body["window"]["maxTimestamp"]),
            files=files,
        )
    except (KeyError, TypeError, ValueError, orjson.JSONDecodeError) as error:
        raise ConfigurationError(f"the export manifest {path} is not a Langfuse manifest: "
                                 f"{type(error).__name__}: {error}") from None


def _file(entry: dict[str, Any], project_id: str, project_dir: str) -> ExportFile:
    """A data file's path, found from its key relative to the manifest's own project folder.

    Keys hold the bucket prefix; the folder the user gave may sit anywhere above the project, so
    the path is ``{project folder}/{table}/{file}`` whatever the prefix.
    """
    key = entry["key"]
    owner, table, file_name = key.rsplit("/", 3)[-3:]
    if owner != project_id:
        raise ValueError(f"file {key} does not belong to project {project_id}")
    file_type = entry.get("fileType") or entry["format"].split("-")[0]
    if file_type not in (*TEXT_FORMATS, "parquet"):
        raise ValueError(f"file {key} has the unknown format {entry.get('format')!r}")
    return ExportFile(
        path=f"{project_dir}/{table}/{file_name}",
        table=entry.get("table") or table,
        file_type=file_type,
        compressed=bool(entry.get("compressed")) and file_type != "parquet",
        size_bytes=entry.get("sizeBytes"),
        row_count=entry.get("rowCount"),
    )
