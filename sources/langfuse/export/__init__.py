"""Observations and scores from Langfuse's blob-storage export, into the API path's tables.

The export is Langfuse's bulk path (S3, GCS, Azure; Parquet, JSON, JSONL, CSV). Its manifests are
the unit of work: each file of each manifest not loaded before is read (``reader``), converted to
the API path's columns and types (``columns``) and merged on the same primary keys, into the same
tables. What is loaded is recorded per manifest in the resource state the API path uses for the
same table, committed with the rows; the table's watermark moves to the last loaded window, so
the API path takes over from there with its usual lookback.

Repeats: neighbouring windows share their inclusive boundary (and Run Now can overlap whole
windows). Rows whose time lies where two manifests of a load overlap are held back and loaded once,
the copy with the newest ``updated_at``; everything else streams straight through. A manifest
loaded in a later run replaces what an earlier one loaded (it was exported later).

Manifests whose window the API path has already read (below a watermark the API set) are skipped,
and a manifest straddling it loads only the rows at or after it: the API's rows are newer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import dlt
import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from dlt.sources import DltResource

from sources.langfuse import table_resource
from sources.langfuse.engine import batched
from sources.langfuse.export.columns import TABLES
from sources.langfuse.export.manifest import ExportFile, Manifest
from sources.langfuse.export.reader import ExportFileReader, conform
from sources.langfuse.export.storage import redact
from sources.langfuse.privacy import Privacy
from sources.langfuse.quoting import identifier
from sources.langfuse.settings import DEFAULT_CHUNK_ROWS, ITEM_ROWS
from sources.langfuse.specs import ResourceSpec, specs_for
from sources.langfuse.state import ProjectState, project_state
from sources.langfuse.windows import ONE_MS

__all__ = ["export_source", "EXPORT_TABLES"]

# Warehouse table → the export tables it is read from, preferred first (a TRACES_OBSERVATIONS_EVENTS
# run writes both observation tables: observations_v2 is the current shape, the legacy one repeats it).
EXPORT_TABLES = {"observations": ("observations_v2", "observations"), "scores": ("scores",), "traces": ("traces",)}


def export_source_tables(api: str, resources: Sequence[str] | None) -> list[str]:
    tables = ["observations", "scores"] + (["traces"] if api == "legacy" else [])
    return [t for t in tables if resources is None or t in resources]


@dlt.source(name="langfuse", max_table_nesting=0)
def export_source(fs, manifests: Sequence[Manifest], url: str, api: str = "v4",
                  resources: Sequence[str] | None = None, privacy: Privacy | None = None,
                  chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[DltResource]:
    """The export's tables as resources named like the API path's, so they share its state."""
    privacy = privacy or Privacy()
    specs = specs_for(api)
    for name in export_source_tables(api, resources):
        yield _resource(specs[name], fs, manifests, redact(url), privacy, chunk_rows)


def _resource(spec: ResourceSpec, fs, manifests: Sequence[Manifest], url: str, privacy: Privacy,
              chunk_rows: int) -> DltResource:
    def read() -> Iterator[pa.Table]:
        state = dlt.current.resource_state()
        reader = ExportFileReader(fs)
        try:
            for project_id in sorted({m.project_id for m in manifests}):
                mine = [m for m in manifests if m.project_id == project_id]
                load = _ManifestLoad(spec, reader, project_state(state, project_id), url, privacy)
                yield from batched(load.tables(mine, chunk_rows), ITEM_ROWS)
        finally:
            reader.close()

    # Rows on window time that manifests share are loaded once (_ManifestLoad._newest_of_held).
    return table_resource(spec, read, privacy, deduplicated=True)


class _ManifestLoad:
    """One table of one project: the manifests not loaded yet, oldest window first, up to ``chunk_rows``."""

    def __init__(self, spec: ResourceSpec, reader: ExportFileReader, state: ProjectState, url: str,
                 privacy: Privacy):
        self.spec, self.reader, self.state, self.privacy = spec, reader, state, privacy
        self.export = state.start_export(url)
        self.held: list[pa.Table] = []
        self.rows = 0

    def api_watermark(self) -> datetime | None:
        """The watermark the API path set beyond the export, if any: its rows there are newer."""
        synced, until = self.state.synced_until, self.export.until
        if synced and (until is None or synced > until):
            return synced
        return None

    def tables(self, manifests: list[Manifest], chunk_rows: int) -> Iterator[pa.Table]:
        todo = [m for m in manifests if not self.export.is_loaded(m.name)]
        api_until = self.api_watermark()
        for index, manifest in enumerate(todo):
            files = self._files(manifest)
            if api_until is not None and manifest.window_max < api_until:
                self.export.skipped(manifest.name, "read by the API already")
                continue
            contested = _overlaps(manifest, [m for m in todo if m is not manifest])
            rows = 0
            for file in files:
                for table in self.reader.tables(file, self.spec.columns, since=api_until):
                    table = self.privacy.apply(table)
                    mask = _in_ranges(table[TABLES[file.table][1]], contested)
                    if mask is not None:
                        self.held.append(_with_order(table.filter(mask), len(self.held)))
                        table = table.filter(pc.invert(mask))
                    rows += table.num_rows
                    if table.num_rows:
                        yield table
            self.export.loaded(manifest.name, rows, manifest.window_min, manifest.window_max)
            if self.state.synced_until is None or self.state.synced_until < manifest.window_max:
                self.state.synced_until = manifest.window_max  # the API path takes over here, minus its lookback
            self.rows += rows
            if self.rows >= chunk_rows and index + 1 < len(todo):
                self.export.pending = True  # more manifests: another load (``state.SyncState.has_pending``)
                break
        else:
            self.export.pending = False
        yield from self._newest_of_held()
        self.state.record_run(self.rows, datetime.now(UTC))

    def _files(self, manifest: Manifest) -> list[ExportFile]:
        for export_table in EXPORT_TABLES[self.spec.name]:
            files = manifest.files_of(export_table)
            if files:
                return files
        return []

    def _newest_of_held(self) -> Iterator[pa.Table]:
        """Rows on shared window time, loaded once: the newest ``updated_at``, then the later manifest."""
        if not self.held:
            return
        held = pa.concat_tables(self.held, promote_options="default")
        self.held = []
        key = ", ".join(identifier(k) for k in ("project_id", *self.spec.primary_key))
        with duckdb.connect() as con:
            con.execute("SET TimeZone = 'UTC'")
            con.register("held", held)
            newest = con.sql(
                f"SELECT * EXCLUDE (__order) FROM held QUALIFY row_number() OVER "
                f"(PARTITION BY {key} ORDER BY updated_at DESC NULLS LAST, __order DESC) = 1").to_arrow_table()
        self.rows += newest.num_rows
        self.export.add_rows(newest.num_rows)
        yield conform(newest, self.spec.columns)


def _overlaps(manifest: Manifest, others: list[Manifest]) -> list[tuple[datetime, datetime]]:
    """The stretches of ``manifest``'s window that another manifest of this load also covers."""
    ranges = []
    for other in others:
        low, high = max(manifest.window_min, other.window_min), min(manifest.window_max, other.window_max)
        if low <= high:
            ranges.append((low, high))
    return ranges


def _in_ranges(times: pa.ChunkedArray, ranges: list[tuple[datetime, datetime]]) -> pa.ChunkedArray | None:
    """Rows whose time (to the millisecond, as Langfuse filters) lies in one of ``ranges``, both ends inclusive."""
    if not ranges or len(times) == 0:
        return None
    bounds = pc.min_max(times).as_py()
    if bounds["min"] is None:
        return None
    # A batch spans a fraction of the export: compare it only with the boundaries that fall in it.
    ranges = [(low, high) for low, high in ranges if low <= bounds["max"] and bounds["min"] < high + ONE_MS]
    mask = None
    for low, high in ranges:
        inside = pc.and_(pc.greater_equal(times, pa.scalar(low, times.type)),
                         pc.less(times, pa.scalar(high + ONE_MS, times.type)))
        mask = inside if mask is None else pc.or_(mask, inside)
    if mask is None:
        return None
    mask = pc.fill_null(mask, False)
    return mask if pc.any(mask).as_py() else None


def _with_order(table: pa.Table, order: int) -> pa.Table:
    return table.append_column("__order", pa.repeat(pa.scalar(order, pa.int64()), table.num_rows))

