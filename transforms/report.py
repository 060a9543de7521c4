"""What a build did, model by model, and how to print it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["built", "skipped", "failed"]


@dataclass(frozen=True)
class ModelResult:
    name: str
    layer: str
    materialization: str
    status: Status
    reason: str = ""
    rows: int | None = None
    seconds: float = 0.0


@dataclass
class BuildReport:
    results: list[ModelResult] = field(default_factory=list)

    def __getitem__(self, name: str) -> ModelResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)

    def names(self, status: Status) -> list[str]:
        return [result.name for result in self.results if result.status == status]

    @property
    def built(self) -> list[str]:
        return self.names("built")

    @property
    def skipped(self) -> list[str]:
        return self.names("skipped")

    @property
    def failed(self) -> list[str]:
        return self.names("failed")

    @property
    def ok(self) -> bool:
        """Skips are expected (a project without experiments); failures are not."""
        return not self.failed

    def summary(self) -> str:
        """One line, e.g. "22 models, 5 skipped, 0 failed" (reads after "Built ")."""
        return f"{len(self.built)} models, {len(self.skipped)} skipped, {len(self.failed)} failed"

    def as_table(self) -> str:
        header = ("model", "layer", "status", "rows", "seconds", "note")
        rows = [
            (
                r.name,
                r.layer,
                r.status,
                "" if r.rows is None else str(r.rows),
                f"{r.seconds:.2f}",
                r.reason,
            )
            for r in self.results
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
            for row in [header, *rows]
        ]
        lines.append("Built " + self.summary())
        return "\n".join(line.rstrip() for line in lines)
