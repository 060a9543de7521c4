"""What a team must not copy: io and metadata excluded, or replaced by a SHA-256 of their value.

The field-group names are Langfuse's (``io``, ``metadata``, ``itemMetadata``, ``experimentMetadata``):
excluding a group at the request saves the server and the network the bytes; the columns it would
have filled are dropped (or hashed) from every page as well, for endpoints without field groups.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

IO_COLUMNS = ("input", "output", "expected_output")
METADATA_COLUMNS = ("metadata", "experiment_item_metadata", "experiment_metadata")
IO_FIELD_GROUPS = frozenset({"io"})
METADATA_FIELD_GROUPS = frozenset({"metadata", "itemMetadata", "experimentMetadata"})


@dataclass(frozen=True)
class Privacy:
    io: str = "keep"  # keep | exclude | hash
    metadata: str = "keep"

    def field_groups(self, groups: str | None) -> str | None:
        """The field groups to ask for: the declared ones without the excluded ones."""
        if groups is None:
            return None
        dropped: set[str] = set()
        if self.io == "exclude":
            dropped |= IO_FIELD_GROUPS
        if self.metadata == "exclude":
            dropped |= METADATA_FIELD_GROUPS
        return ",".join(g for g in groups.split(",") if g not in dropped)

    def excluded_columns(self) -> set[str]:
        return (set(IO_COLUMNS) if self.io == "exclude" else set()) | (
            set(METADATA_COLUMNS) if self.metadata == "exclude" else set())

    def apply(self, table: pa.Table) -> pa.Table:
        for columns, mode in ((IO_COLUMNS, self.io), (METADATA_COLUMNS, self.metadata)):
            if mode == "keep":
                continue
            for column in columns:
                if column not in table.column_names:
                    continue
                index = table.column_names.index(column)
                if mode == "exclude":
                    table = table.remove_column(index)
                else:
                    digests = pa.array([_digest(v) for v in table[column].to_pylist()], pa.string())
                    table = table.set_column(index, column, digests)
        return table


def _digest(value: Any) -> str | None:
    if value is None:
        return None
    return "sha256:" + hashlib.sha256(str(value).encode("utf-8", "surrogatepass")).hexdigest()
