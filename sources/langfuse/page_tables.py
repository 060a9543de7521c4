"""Pages → the warehouse's tables: Arrow conversion, privacy, ``project_id`` and first-copy-wins dedup.

``table_of`` turns one page into Arrow (pages the columnar decoder took are Arrow already; the rest go
through ``arrow.rows_to_table``, and the decoder learns their layout); it may run in any fetching
thread. ``finished`` applies privacy, sets ``project_id`` and drops keys already yielded; it runs in
the one thread that hands tables to dlt, which owns the set of keys seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from sources.langfuse import progress
from sources.langfuse.arrow import rows_to_table
from sources.langfuse.columnar import ColumnarDecoder
from sources.langfuse.errors import LangfuseSyncError
from sources.langfuse.paginators import RawPage
from sources.langfuse.privacy import Privacy
from sources.langfuse.specs import ResourceSpec


@dataclass
class PageTables:
    spec: ResourceSpec
    project_id: str
    privacy: Privacy = field(default_factory=Privacy)
    decoder: ColumnarDecoder | None = None  # the decoder of this read's own pages, if any
    rows_read: int = 0  # rows yielded (after dedup)
    # Primary keys yielded so far (one load): lets the merge skip dlt's staging deduplication.
    _seen_keys: set[Any] = field(default_factory=set, repr=False)

    def table_of(self, page: RawPage) -> pa.Table:
        if isinstance(page, pa.Table):
            return page
        try:
            table, discovered = rows_to_table(page, self.spec.columns)
        except ValueError as error:
            raise LangfuseSyncError(f"a page could not be loaded: {error}") from None
        if self.decoder is not None:
            self.decoder.learn(page, discovered)
        return table

    def finished(self, table: pa.Table) -> pa.Table:
        table = self.privacy.apply(table)
        project = pa.repeat(pa.scalar(self.project_id, pa.string()), table.num_rows)
        if "project_id" in table.column_names:  # v2 observations carry it: one column, the key's
            table = table.set_column(table.column_names.index("project_id"), "project_id", project)
        else:
            table = table.append_column("project_id", project)
        table = self._without_seen_keys(table)
        self.rows_read += table.num_rows
        progress.current().page(self.spec.name, self.project_id, table.num_rows)
        return table

    def tables_of(self, pages: Iterable[RawPage]) -> Iterator[pa.Table]:
        """Finished tables of ``pages`` (empty pages skipped), converted in this thread."""
        for page in pages:
            if len(page):
                yield self.finished(self.table_of(page))

    def _without_seen_keys(self, table: pa.Table) -> pa.Table:
        """Drop rows whose primary key this read already yielded; the first copy wins.

        Keyset pagination serves a row twice only if it moved (its time changed) mid-read, and a
        newest-first or sub-window read re-reads the millisecond it resumes at. Doing the
        deduplication here, one set lookup per row, lets the resource declare its staged data
        deduplicated: dlt's own dedup is a window over every column of the staging table, which cost
        more time and memory than the rest of the load together (4-5x the plain insert).
        """
        columns = [table[name] for name in self.spec.primary_key]
        if len(columns) == 1:
            keys = columns[0].to_pylist()
        else:  # one string per key: a third of the memory of a tuple of strings
            keys = pc.binary_join_element_wise(*[pc.cast(c, pa.string()) for c in columns], "\x1f").to_pylist()
        page_keys = set(keys)
        if len(page_keys) == len(keys) and self._seen_keys.isdisjoint(page_keys):
            self._seen_keys |= page_keys
            return table
        keep = []
        for key in keys:
            keep.append(key not in self._seen_keys)
            self._seen_keys.add(key)
        return table.filter(pa.array(keep, pa.bool_()))
