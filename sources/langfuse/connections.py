"""Langfuse projects (key pairs) and the clients that read them, opened only when first read.

A dlt source is created before it runs (``pipeline.run(langfuse_source())``) and may be inspected,
filtered (``.with_resources``) or dropped without running: no request may happen until a resource
reads. ``Connections`` opens each project's client and asks which project its keys belong to on first
use, once, and closes them together.
"""

from __future__ import annotations

import ipaddress
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from sources.langfuse import settings
from sources.langfuse.errors import ConfigurationError
from sources.langfuse.http import LangfuseClient, RetryPolicy


@dataclass(frozen=True)
class LangfuseProject:
    """A key pair of one Langfuse project. ``repr`` hides the secret."""

    host: str
    public_key: str
    secret_key: str

    def __repr__(self) -> str:
        return f"LangfuseProject(host={self.host!r}, public_key={self.public_key!r}, secret_key='***')"


def project_from(entry: Mapping[str, Any], where: str) -> LangfuseProject:
    """One project from a mapping with public_key, secret_key and an optional host; ``where`` names the
    setting in the error, never a value."""
    missing = [key for key in ("public_key", "secret_key") if not entry.get(key)]
    if missing:
        raise ConfigurationError(f"{where}: missing {', '.join(missing)}")
    return LangfuseProject(str(entry.get("host") or settings.DEFAULT_HOST), str(entry["public_key"]),
                           str(entry["secret_key"]))


def configured_projects(host: str | None, public_key: str | None, secret_key: str | None,
                        projects: Sequence[Mapping[str, Any]] | None, where: str) -> list[LangfuseProject]:
    """The projects a configuration names: a ``projects`` list, else one key pair (host defaults to Cloud)."""
    if projects:
        return [project_from(entry, f"{where}.projects #{number}") for number, entry in enumerate(projects, 1)]
    if public_key or secret_key:
        return [project_from({"host": host, "public_key": public_key, "secret_key": secret_key}, where)]
    return []


def check_transport(host: str, allow_insecure: bool) -> None:
    """Refuse to send keys in clear text to anything but this machine, unless told to."""
    parsed = urlparse(host)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigurationError(f"host {host!r} is not an http(s) URL")
    if parsed.scheme == "https" or allow_insecure:
        return
    name = parsed.hostname
    if name == "localhost":
        return
    try:
        if ipaddress.ip_address(name).is_loopback:
            return
    except ValueError:
        pass
    raise ConfigurationError(
        f"refusing to send API keys over plain http to {name}; use https, or pass --allow-insecure-http "
        "(allow_insecure_http=True to the dlt source)"
    )


@dataclass
class Connection:
    project: LangfuseProject
    project_id: str
    client: LangfuseClient


def connect(project: LangfuseProject, *, max_rpm: float | None = None, retry: RetryPolicy | None = None,
            timeout: float = settings.REQUEST_TIMEOUT_SECONDS) -> Connection:
    """Open a client and ask the server which project the key belongs to (fails fast on bad keys)."""
    client = LangfuseClient(project.host, project.public_key, project.secret_key,
                            max_rpm=max_rpm, retry=retry, timeout=timeout)
    try:
        body = client.get("/projects")
    except Exception:
        client.close()
        raise
    data = body.get("data") or []
    if not data:
        client.close()
        raise ConfigurationError(f"{project.host}: the key pair {project.public_key} belongs to no project")
    return Connection(project, data[0]["id"], client)


def _close_all(opened: list[Connection]) -> None:
    for connection in opened:
        connection.client.close()
    opened.clear()


class Connections:
    """The connections of ``projects``, opened together on first use (iteration or ``open()``).

    Usable as a context manager; otherwise the clients close when the object is collected.
    """

    def __init__(self, projects: Sequence[LangfuseProject], *, max_rpm: float | None = None,
                 retry: RetryPolicy | None = None, timeout: float = settings.REQUEST_TIMEOUT_SECONDS):
        if not projects:
            raise ConfigurationError("no Langfuse project configured")
        self.projects = list(projects)
        self._options = {"max_rpm": max_rpm, "retry": retry, "timeout": timeout}
        self._opened: list[Connection] = []
        self._lock = threading.Lock()  # dlt may run resources in threads: open once
        weakref.finalize(self, _close_all, self._opened)

    def open(self) -> list[Connection]:
        with self._lock:
            if not self._opened:
                try:
                    for project in self.projects:
                        self._opened.append(connect(project, **self._options))
                except Exception:
                    _close_all(self._opened)
                    raise
            return list(self._opened)

    def __iter__(self) -> Iterator[Connection]:
        return iter(self.open())

    def close(self) -> None:
        with self._lock:
            _close_all(self._opened)

    def __enter__(self) -> Connections:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
