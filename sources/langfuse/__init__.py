"""The Langfuse source for dlt (``langfuse_source``, in source.py) and the modules it is built from.

The source's names are loaded on first use: source.py imports dlt, pyarrow and httpx (~1 s), which the
commands reading only this package's light modules (``settings``, ``errors``, ``progress``: `marts`,
`--help`) do not need. ``from sources.langfuse import langfuse_source`` works as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sources.langfuse.source import (
        Connection,
        Connections,
        LangfuseProject,
        check_resource_names,
        column_hints,
        connect,
        detect_api,
        langfuse_source,
        table_names,
        table_resource,
    )

__all__ = ["LangfuseProject", "Connection", "Connections", "langfuse_source", "connect", "detect_api",
           "table_names", "check_resource_names", "column_hints", "table_resource"]

# Names resolved from source.py; anything else is a submodule (``from sources.langfuse import settings``)
# and must not load the source.
_FROM_SOURCE = frozenset(__all__)


def __getattr__(name: str) -> Any:
    if name in _FROM_SOURCE:
        from sources.langfuse import source

        return getattr(source, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
