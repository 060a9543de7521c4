"""Where a sync finds its Langfuse projects: the standard Langfuse variables, a projects file, or dlt.

Order: ``--projects-file`` (TOML, ``[[projects]]`` tables with host/public_key/secret_key), then
``LANGFUSE_HOST`` (or ``LANGFUSE_BASE_URL``) + ``LANGFUSE_PUBLIC_KEY`` + ``LANGFUSE_SECRET_KEY``, then
dlt's own config (``[sources.langfuse]`` in ``.dlt/secrets.toml`` or ``SOURCES__LANGFUSE__*`` variables).
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

from sources.langfuse import LangfuseProject
from sources.langfuse.errors import ConfigurationError

DEFAULT_HOST = "https://cloud.langfuse.com"


def _project(entry: Mapping[str, object], where: str) -> LangfuseProject:
    missing = [k for k in ("public_key", "secret_key") if not entry.get(k)]
    if missing:
        raise ConfigurationError(f"{where}: missing {', '.join(missing)}")
    return LangfuseProject(str(entry.get("host") or DEFAULT_HOST), str(entry["public_key"]), str(entry["secret_key"]))


def _from_dlt() -> list[LangfuseProject]:
    import dlt

    try:
        section = dlt.secrets.get("sources.langfuse") or {}
    except Exception:  # dlt raises when no config provider has the section
        return []
    if not isinstance(section, Mapping):
        return []
    if not section:
        # Environment variables (SOURCES__LANGFUSE__SECRET_KEY…) cannot be listed as a section: dlt
        # finds them only key by key.
        section = {key: _dlt_secret(f"sources.langfuse.{key}") for key in ("host", "public_key", "secret_key")}
    if section.get("projects"):
        return [_project(p, "sources.langfuse.projects") for p in section["projects"]]
    if section.get("public_key"):
        return [_project(section, "sources.langfuse")]
    return []


def _dlt_secret(key: str) -> object:
    import dlt

    try:
        return dlt.secrets.get(key)
    except Exception:  # dlt raises when no provider holds the key
        return None


def resolve_projects(projects_file: str | None = None, env: Mapping[str, str] | None = None) -> list[LangfuseProject]:
    env = os.environ if env is None else env
    if projects_file:
        path = Path(projects_file)
        if not path.is_file():
            raise ConfigurationError(f"--projects-file {projects_file}: no such file")
        try:
            entries = tomllib.loads(path.read_text()).get("projects") or []
        except tomllib.TOMLDecodeError as error:
            raise ConfigurationError(f"--projects-file {projects_file}: not valid TOML ({error})") from None
        if not entries:
            raise ConfigurationError(f"--projects-file {projects_file}: no [[projects]] entries")
        return [_project(e, f"{projects_file} [[projects]] #{i + 1}") for i, e in enumerate(entries)]
    if env.get("LANGFUSE_PUBLIC_KEY") or env.get("LANGFUSE_SECRET_KEY"):
        host = env.get("LANGFUSE_HOST") or env.get("LANGFUSE_BASE_URL") or DEFAULT_HOST
        return [_project({"host": host, "public_key": env.get("LANGFUSE_PUBLIC_KEY"),
                          "secret_key": env.get("LANGFUSE_SECRET_KEY")}, "LANGFUSE_* variables")]
    projects = _from_dlt()
    if not projects:
        raise ConfigurationError(
            "no Langfuse credentials: set LANGFUSE_HOST, LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY, "
            "or pass --projects-file, or configure [sources.langfuse] in .dlt/secrets.toml"
        )
    return projects


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
        f"refusing to send API keys over plain http to {name}; use https, or pass --allow-insecure-http"
    )


def check_destination_name(name: str) -> None:
    """Fail before any request when ``--destination`` names nothing dlt knows (a typo, a missing extra).

    dlt's own error is a page of import attempts; one line naming the value is what a user needs.
    """
    if name in ("duckdb", "filesystem"):
        return
    from dlt.common.destination import Destination
    from dlt.common.destination.exceptions import UnknownDestinationModule

    try:
        Destination.from_reference(name)
    except UnknownDestinationModule:
        raise ConfigurationError(
            f"unknown destination {name!r}: use duckdb, filesystem, a dlt destination (postgres, bigquery, "
            f"snowflake…) or a named destination configured in .dlt/config.toml ([destination.{name}])"
        ) from None
