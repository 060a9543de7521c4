"""What a build did, model by model and test by test, and how to print it."""

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


@dataclass(frozen=True)
class TestResult:
    """A data test that did not pass: failed (the build fails) or warned (reported, the build passes)."""

    name: str
    model: str
    status: Literal["failed", "warned"]
    failing_rows: int | None
    message: str = ""

    def __str__(self) -> str:
        rows = f" ({self.failing_rows} failing row(s))" if self.failing_rows else ""
        return f"{self.status} test {self.name} on {self.model}{rows}" + (f": {self.message}" if self.message else "")


@dataclass
class BuildReport:
    results: list[ModelResult] = field(default_factory=list)
    tests: list[TestResult] = field(default_factory=list)
    tests_passed: int = 0
    unit_tests_passed: int = 0  # the project's dbt unit tests, when asked for (build_marts(unit_tests=True))
    error: str = ""  # dbt could not run at all (connection refused, lock held, project invalid)

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
    def failed_tests(self) -> list[TestResult]:
        return [test for test in self.tests if test.status == "failed"]

    @property
    def ok(self) -> bool:
        """Skips are expected (a project without experiments); failed models or tests are not."""
        return not self.error and not self.failed and not self.failed_tests

    def summary(self) -> str:
        """One line, e.g. "22 models, 5 skipped, 0 failed; 130 tests passed, 0 failed" (reads after "Built ")."""
        unit = f" (and {self.unit_tests_passed} unit tests)" if self.unit_tests_passed else ""
        return (f"{len(self.built)} models, {len(self.skipped)} skipped, {len(self.failed)} failed; "
                f"{self.tests_passed} tests passed{unit}, {len(self.failed_tests)} failed")

    def as_table(self) -> str:
        header = ("model", "layer", "kind", "status", "rows", "seconds", "note")
        rows = [
            (r.name, r.layer, r.materialization, r.status, "" if r.rows is None else f"{r.rows:,}", f"{r.seconds:.2f}", r.reason)
            for r in self.results
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
            for row in [header, *rows]
        ]
        lines.extend(str(test) for test in self.tests)
        if self.error:
            lines.append(f"error: {self.error}")
        lines.append("Built " + self.summary())
        return "\n".join(line.rstrip() for line in lines)
