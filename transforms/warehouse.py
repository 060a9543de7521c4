"""Which warehouse the marts build in, and the dbt profile for it, derived from the sync's own config.

The sync writes with dlt, so dlt's config and secrets (`.dlt/secrets.toml`, `DESTINATION__POSTGRES__*`
variables, named destinations) stay the one place for credentials: the profile is derived from them at
run time. A secret never lands in the profile file: the file says `env_var(...)` and the value is
handed to dbt through the environment of the run only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sources.langfuse.errors import ConfigurationError

DEFAULT_RAW_SCHEMA = "langfuse"
DEFAULT_TARGET_SCHEMA = "analytics"
PASSWORD_ENV = "LANGFUSE_WAREHOUSE_DBT_PASSWORD"
# DuckDB takes 80 % of RAM by default and a 1M-observation build grew past 1.7 GB; under this limit it
# spills to disk instead (the build process's peak, dbt included, stays under 600 MB at 1M observations).
DEFAULT_DUCKDB_MEMORY_LIMIT = "250MB"
# dbt models built at once. Each DuckDB query already uses every core, but a model is also dbt's own
# Python work (compile, introspect, rename, commit) during which a second one's query keeps the cores busy.
DEFAULT_DUCKDB_THREADS = 4

# Engines this project's SQL is tested on; others have dispatched macros with a default__ form but
# need a dbt profile of the team's own (README: "Other warehouses").
SUPPORTED = ("duckdb", "postgres")


@dataclass(frozen=True)
class Warehouse:
    destination: str = "duckdb"
    database: str = "warehouse.duckdb"  # the DuckDB file (DuckDB only)
    raw_schema: str = DEFAULT_RAW_SCHEMA  # the dataset the sync wrote
    target_schema: str = DEFAULT_TARGET_SCHEMA
    threads: int | None = None
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT


@dataclass(frozen=True)
class Profile:
    """One dbt target (`outputs.<name>` of profiles.yml) and the secret environment it reads."""

    adapter: str
    target: dict[str, Any]
    env: dict[str, str]


def _engine(destination: str) -> tuple[str, Any]:
    """(engine, dlt destination) for a destination name: duckdb, postgres, or a named dlt destination."""
    if destination == "duckdb":
        return "duckdb", None
    from sources.langfuse.dlt_compat import destination_reference

    reference = destination_reference(destination)
    if reference is None:
        raise ConfigurationError(f"unknown destination {destination!r}")
    engine = reference.destination_type.rsplit(".", 1)[-1]
    return engine, reference


def postgres_credentials(reference: Any, dataset: str) -> Any:
    """dlt's resolved PostgresCredentials for a destination (config, secrets.toml, env, named destinations)."""
    from sources.langfuse.dlt_compat import ConfigFieldMissingException, destination_configuration

    try:
        config = destination_configuration(reference, dataset)
    except ConfigFieldMissingException as error:
        raise ConfigurationError(
            f"no credentials for the {reference.destination_name} destination: set them the dlt way "
            "(DESTINATION__POSTGRES__CREDENTIALS or [destination.postgres.credentials] in .dlt/secrets.toml); "
            f"missing: {', '.join(error.fields)}"
        ) from None
    return config.credentials


def profile_for(warehouse: Warehouse) -> Profile:
    engine, reference = _engine(warehouse.destination)
    if engine == "duckdb":
        path = Path(warehouse.database)
        if not path.is_file():
            raise ConfigurationError(
                f"no DuckDB warehouse at {warehouse.database}: run `langfuse-warehouse sync` first, "
                "or pass the file the sync wrote with --database"
            )
        settings = {"preserve_insertion_order": False, "memory_limit": warehouse.duckdb_memory_limit}
        target = {
            "type": "duckdb",
            "path": str(path.resolve()),
            "schema": warehouse.target_schema,
            "threads": warehouse.threads or DEFAULT_DUCKDB_THREADS,
            "settings": settings,
        }
        return Profile("duckdb", target, {})
    if engine == "postgres":
        credentials = postgres_credentials(reference, warehouse.raw_schema)
        target = {
            "type": "postgres",
            "host": credentials.host,
            "port": int(credentials.port or 5432),
            "user": credentials.username,
            "password": "{{ env_var('" + PASSWORD_ENV + "') }}",
            "dbname": credentials.database,
            "schema": warehouse.target_schema,
            "threads": warehouse.threads or 4,
            "connect_timeout": int(credentials.connect_timeout or 15),
        }
        sslmode = (credentials.query or {}).get("sslmode")
        if sslmode:
            target["sslmode"] = sslmode
        return Profile("postgres", target, {PASSWORD_ENV: str(credentials.password or "")})
    raise ConfigurationError(
        f"`marts` builds in DuckDB and PostgreSQL; for {warehouse.destination} ({engine}) run dbt with a "
        "profile of your own on the project in sql/ (see README: Other warehouses)"
    )
