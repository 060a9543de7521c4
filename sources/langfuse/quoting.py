"""SQL quoting for the statements this project writes itself (DuckDB and PostgreSQL share the rules)."""

from __future__ import annotations


def identifier(name: str) -> str:
    """A quoted identifier: any name, embedded double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: object) -> str:
    """A quoted string literal: embedded single quotes doubled."""
    return "'" + str(text).replace("'", "''") + "'"
