"""`dbt build` of the marts in the sync's warehouse, reported model by model.

Models reading a raw table the sync never created (a project without experiments or prompts) are left
out of the build, with the reason, instead of failing it: dbt would otherwise fail on the missing
relation. Everything else is dbt's own: selection (`+model`), incremental models, data tests.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from transforms.dbt import ERRORS, PROJECT_NAME, Dbt, Invocation, models_reading, raw_table_names
from transforms.report import BuildReport, ModelResult, TestResult
from transforms.warehouse import Warehouse, profile_for

SOURCE_NAME = "langfuse"  # the dbt source in sql/models/staging/_sources.yml


class SelectionError(ValueError):
    pass


def _first_line(text: object) -> str:
    """The line of a dbt error that says what went wrong (not its "Runtime Error in model x" heading)."""
    lines = [line.strip() for line in str(text or "").splitlines() if line.strip()]
    meaningful = [line for line in lines if not re.match(r"^[\w ]*Error in (model|test|macro|operation)", line)]
    return (meaningful or lines or [""])[0]


def _failure_message(invocation: Invocation) -> str:
    if invocation.exception is not None:
        return _first_line(invocation.exception)
    errors = [_first_line(message) for message in invocation.logged.get(ERRORS, [])]
    if any("Could not set lock" in error for error in errors):
        return ("the DuckDB file is locked by another process (a sync still loading?): "
                "build the marts once it has finished")
    if errors:
        return errors[0]
    results = getattr(invocation.result, "results", None) or []
    messages = [_first_line(r.message) for r in results if getattr(r, "message", None)]
    return messages[0] if messages else "dbt failed (run with -v to see its log)"


def _dbt_for(warehouse: Warehouse, verbose: bool) -> Dbt:
    variables = {"langfuse_schema": warehouse.raw_schema, "langfuse_warehouse_report": True}
    return Dbt(profile_for(warehouse), variables, verbose=verbose)


def _selected_models(dbt: Dbt, select: Sequence[str]) -> list[str]:
    listing = dbt.invoke("ls", "--resource-type", "model", "--output", "name", "--select", *select)
    if not listing.success:
        raise SelectionError(f"--select {' '.join(select)}: {_failure_message(listing)}")
    names = [name.rsplit(".", 1)[-1] for name in (listing.result or [])]
    if not names:
        raise SelectionError(f"--select {' '.join(select)} matches no model (dbt selection syntax, e.g. +mart_cost_daily)")
    return names


def _model_result(result: Any, rows: dict[str, int]) -> ModelResult:
    node = result.node
    status = str(result.status)
    layer = node.fqn[1] if len(node.fqn) > 2 else ""
    common = dict(name=node.name, layer=layer, materialization=node.config.materialized,
                  seconds=float(result.execution_time or 0.0))
    if status == "success":
        return ModelResult(**common, status="built", rows=rows.get(node.unique_id))
    if status == "skipped":
        return ModelResult(**common, status="skipped", reason="an upstream model or test failed")
    return ModelResult(**common, status="failed", reason=_first_line(result.message))


def _test_result(result: Any, manifest: Any) -> TestResult | None:
    status = str(result.status)
    if status in ("pass", "success", "skipped"):
        return None
    node = result.node
    # A data test names the model it is attached to; a unit test the model it tests.
    attached = getattr(node, "attached_node", None) or getattr(node, "tested_node_unique_id", None)
    model = manifest.nodes[attached].name if attached in manifest.nodes else "?"
    return TestResult(name=node.name, model=model, status="warned" if status == "warn" else "failed",
                      failing_rows=result.failures, message="" if status in ("fail", "warn") else _first_line(result.message))


def build_marts(
    warehouse: Warehouse,
    *,
    select: Sequence[str] | None = None,
    full_refresh: bool = False,
    verbose: bool = False,
    unit_tests: bool = False,
) -> BuildReport:
    """`dbt build` (models and their data tests) in the warehouse; never raises for a failed model or test.

    The project's unit tests (fixed input rows, hand-worked expected rows) test the SQL, not the data: they
    run in the project's own test suite and CI (``unit_tests=True``), not in every nightly build, as dbt
    recommends; they were a quarter of a nightly build's time.
    """
    dbt = _dbt_for(warehouse, verbose)
    with dbt.session():
        listing = dbt.invoke("run-operation", f"{PROJECT_NAME}.log_existing_raw_tables")
        if not listing.success:
            return BuildReport(error=_failure_message(listing))
        manifest = dbt.manifest
        existing = set(listing.logged.get("existing_raw_tables", []))
        missing = [name for name in raw_table_names(manifest) if name not in existing]
        wanted = _selected_models(dbt, select) if select else None
        skipped = [
            ModelResult(name, _layer(manifest, name), "", "skipped",
                        "missing raw table(s): " + ", ".join(sorted(reads)))
            for name, reads in sorted(models_reading(manifest, missing).items())
            if reads and (wanted is None or name in wanted)
        ]
        if wanted is not None and len(skipped) == len(wanted):
            return BuildReport(results=skipped)
        args: list[str] = []
        if select:
            # Only the tests whose models are all selected: a relationship test to a mart left out
            # would otherwise fail on a missing table.
            args += ["--select", *select, "--indirect-selection", "cautious"]
        if missing:
            args += ["--exclude", *(f"source:{PROJECT_NAME}.{SOURCE_NAME}.{name}+" for name in missing)]
        if full_refresh:
            args.append("--full-refresh")
        if not unit_tests:
            args += ["--exclude-resource-type", "unit_test"]
        run = dbt.invoke("build", *args)
    results = getattr(run.result, "results", None)
    if results is None:
        return BuildReport(results=skipped, error=_failure_message(run))
    rows = run.logged.get("built_rows", {})
    report = BuildReport(results=skipped)
    for result in results:
        kind = result.node.resource_type
        if kind == "model":
            report.results.append(_model_result(result, rows))
        elif kind in ("test", "unit_test"):
            test = _test_result(result, manifest)
            if test is None and kind == "unit_test":
                report.unit_tests_passed += str(result.status) == "pass"
            elif test is None:
                report.tests_passed += str(result.status) == "pass"
            else:
                report.tests.append(test)
    if not run.success and not report.failed and not report.failed_tests:
        report.error = _failure_message(run)
    return report


def _layer(manifest: Any, name: str) -> str:
    for node in manifest.nodes.values():
        if node.resource_type == "model" and node.name == name and node.package_name == PROJECT_NAME:
            return node.fqn[1] if len(node.fqn) > 2 else ""
    return ""
