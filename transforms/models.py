"""Discover the SQL models under sql/ and read what each one declares and depends on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from transforms.sql_references import TableReference, find_references

# Staging models are thin renames over raw tables, so views; everything downstream is materialised.
LAYERS = ("staging", "intermediate", "marts")
VIEW_LAYERS = {"staging"}

_HEADER_FIELD = re.compile(
    r"^\s*--\s*(?P<field>grain|key)\s*:\s*(?P<value>.+?)\s*$", re.IGNORECASE | re.MULTILINE
)


@dataclass(frozen=True)
class Model:
    """One SQL file: its name is the file name, its layer the folder it sits in."""

    name: str
    layer: str
    path: Path
    sql: str
    grain: str | None
    key: tuple[str, ...]
    references: tuple[TableReference, ...] = field(repr=False)

    @property
    def materialization(self) -> str:
        return "view" if self.layer in VIEW_LAYERS else "table"

    def referenced_names(self) -> set[str]:
        return {ref.name for ref in self.references}


def parse_header(sql: str) -> tuple[str | None, tuple[str, ...]]:
    """Read the `-- grain: ...` and `-- key: a, b` lines of a model's header comment."""
    grain: str | None = None
    key: tuple[str, ...] = ()
    for match in _HEADER_FIELD.finditer(sql):
        value = match.group("value")
        if match.group("field").lower() == "grain" and grain is None:
            grain = value
        elif match.group("field").lower() == "key" and not key:
            key = tuple(column.strip() for column in value.split(",") if column.strip())
    return grain, key


def load_model(path: Path, layer: str) -> Model:
    sql = path.read_text(encoding="utf-8")
    grain, key = parse_header(sql)
    return Model(
        name=path.stem.lower(),
        layer=layer,
        path=path,
        sql=sql,
        grain=grain,
        key=key,
        references=tuple(find_references(sql)),
    )


def discover_models(sql_dir: Path) -> dict[str, Model]:
    """All models under sql_dir/<layer>/**.sql; a name used twice is an error, not a silent overwrite."""
    models: dict[str, Model] = {}
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).rglob("*.sql")):
            model = load_model(path, layer)
            if model.name in models:
                raise ValueError(
                    f"model {model.name!r} is defined twice: {models[model.name].path} and {path}"
                )
            models[model.name] = model
    return models


def model_dependencies(model: Model, models: dict[str, Model]) -> set[str]:
    """Upstream models this one reads (bare names that name another model)."""
    return {name for name in model.referenced_names() if name in models and name != model.name}


def raw_dependencies(model: Model, models: dict[str, Model]) -> set[str]:
    """Raw tables this one reads: referenced names that are not models."""
    return {name for name in model.referenced_names() if name not in models}
