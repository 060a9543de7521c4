"""Where a sync finds its Langfuse projects: the standard Langfuse variables, a projects file, or dlt.

Order: ``--projects-file`` (TOML, ``[[projects]]`` tables with host/public_key/secret_key), then
``LANGFUSE_HOST`` (or ``LANGFUSE_BASE_URL``) + ``LANGFUSE_PUBLIC_KEY`` + ``LANGFUSE_SECRET_KEY``, then
dlt's own config (``[sources.langfuse]`` in ``.dlt/secrets.toml`` or ``SOURCES__LANGFUSE__*`` variables).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from sources.langfuse import LangfuseProject, check_resource_names
from sources.langfuse.connections import check_transport, configured_projects, project_from
from sources.langfuse.errors import ConfigurationError

__all__ = ["resolve_projects", "check_transport", "check_resource_names"]


def _from_dlt() -> list[LangfuseProject]:
    """The projects of ``[sources.langfuse]``, read as the dlt source reads them (``langfuse_source``)."""
    section = {key: _dlt_secret(f"sources.langfuse.{key}") for key in ("host", "public_key", "secret_key", "projects")}
    return configured_projects(section["host"], section["public_key"], section["secret_key"], section["projects"],
                               where="sources.langfuse")


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
        return [project_from(e, f"{projects_file} [[projects]] #{i + 1}") for i, e in enumerate(entries)]
    if env.get("LANGFUSE_PUBLIC_KEY") or env.get("LANGFUSE_SECRET_KEY"):
        host = env.get("LANGFUSE_HOST") or env.get("LANGFUSE_BASE_URL")
        return [project_from({"host": host, "public_key": env.get("LANGFUSE_PUBLIC_KEY"),
                              "secret_key": env.get("LANGFUSE_SECRET_KEY")}, "LANGFUSE_* variables")]
    projects = _from_dlt()
    if not projects:
        raise ConfigurationError(
            "no Langfuse credentials: set LANGFUSE_HOST, LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY, "
            "or pass --projects-file, or configure [sources.langfuse] in .dlt/secrets.toml"
        )
    return projects
