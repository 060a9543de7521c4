"""Where an export lives: a local folder or a bucket, opened through fsspec with dlt's credentials.

Every assumption about dlt's filesystem internals is here (tested in tests/export/test_storage.py):
``FilesystemConfiguration`` picks the credentials class from the URL's scheme and resolves it the dlt
way, from ``SOURCES__LANGFUSE__EXPORT__CREDENTIALS__*`` env vars or ``[sources.langfuse.export.credentials]``
in ``.dlt/secrets.toml`` (for S3 also the usual AWS chain); ``fsspec_from_config`` turns it into a filesystem.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dlt.common.configuration import resolve_configuration
from dlt.common.configuration.exceptions import ConfigurationException
from dlt.common.storages.configuration import FilesystemConfiguration
from dlt.common.storages.fsspec_filesystem import fsspec_from_config

from sources.langfuse.errors import ConfigurationError

CONFIG_SECTIONS = ("sources", "langfuse", "export")


def open_export(url: str) -> tuple[Any, str]:
    """The filesystem and the path of ``url`` on it (no scheme), credentials resolved the dlt way."""
    try:
        config = resolve_configuration(FilesystemConfiguration(bucket_url=url), sections=CONFIG_SECTIONS)
        fs, path = fsspec_from_config(config)
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
