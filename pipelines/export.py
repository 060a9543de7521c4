"""`sync --from-export URL`: load Langfuse's blob-storage export before the API rounds of a sync."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import dlt

from sources.langfuse import Connection
from sources.langfuse.errors import ConfigurationError
from sources.langfuse.export import export_source
from sources.langfuse.export.manifest import list_manifests
from sources.langfuse.export.storage import open_export, redact
from sources.langfuse.memory import release_freed_memory
from sources.langfuse.privacy import Privacy


def load_export(
    pipeline: dlt.Pipeline,
    url: str,
    connections: Sequence[Connection],
    api: str,
    *,
    resources: Sequence[str] | None,
    privacy: Privacy,
    chunk_rows: int,
    loader_file_format: str | None,
    is_pending: Callable[[dlt.Pipeline], bool],
    max_rounds: int = 10_000,
) -> tuple[Counter[str], int]:
    """Every manifest not loaded before, in loads of about ``chunk_rows`` rows; returns rows per table and loads."""
    fs, root = open_export(url)
    manifests = list_manifests(fs, root)
    if not manifests:
        raise ConfigurationError(f"no export manifests under {redact(url)} (expected {{projectId}}/manifests/*.json); "
                                 "Langfuse writes one after each successful export run")
    known = {c.project_id for c in connections}
    foreign = sorted({m.project_id for m in manifests} - known)
    if foreign:
        raise ConfigurationError(
            f"the export at {redact(url)} holds project(s) {', '.join(foreign)}, but the API keys belong to "
            f"{', '.join(sorted(known))}: point --from-export at the project's folder or add its keys")
    rows: Counter[str] = Counter()
    loads = 0
    for _ in range(max_rounds):
        source = export_source(fs, manifests, url, api=api, resources=resources, privacy=privacy,
                               chunk_rows=chunk_rows)
        pipeline.run(source, loader_file_format=loader_file_format)
        loads += 1
        release_freed_memory()
        trace = pipeline.last_trace
        if trace and trace.last_normalize_info:
            for table, count in trace.last_normalize_info.row_counts.items():
                if not table.startswith("_dlt"):
                    rows[table] += count
        if not is_pending(pipeline):
            break
    return rows, loads
