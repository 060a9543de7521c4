"""Where an export lives: a local folder or a bucket, opened through fsspec with dlt's credentials.

Credentials are resolved the dlt way (dlt_compat.open_filesystem), from
``SOURCES__LANGFUSE__EXPORT__CREDENTIALS__*`` env vars or ``[sources.langfuse.export.credentials]`` in
``.dlt/secrets.toml`` (for S3 also the usual AWS chain).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sources.langfuse.dlt_compat import ConfigurationException, open_filesystem
from sources.langfuse.errors import ConfigurationError

CONFIG_SECTIONS = ("sources", "langfuse", "export")


def open_export(url: str) -> tuple[Any, str]:
    """The filesystem and the path of ``url`` on it (no scheme), credentials resolved the dlt way."""
    try:
        fs, path = open_filesystem(url, CONFIG_SECTIONS)
    except (ConfigurationException, ImportError, ValueError) as error:
        raise ConfigurationError(f"cannot open the export at {redact(url)}: {type(error).__name__}: "
                                 f"{_first_line(error)}") from None
    return fs, path.rstrip("/")


def is_local(fs: Any) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return protocol in ("file", "local")


def redact(url: str) -> str:
    """The URL without user info or query string: what state, logs and status may show."""
    parts = urlsplit(url)
    netloc = parts.hostname or "" if parts.username or parts.password else parts.netloc
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else ""
