"""Evaluators and evaluation rules at ``/api/public/unstable/...``, in the shapes and paging of the spec.

The same store rows back both surfaces: ``/v2/evaluators`` and ``/v2/evaluation-rules`` (catalog.py) serve
them as SDK 5.x reads them (cursor paging, ``evaluationRuleAssignments``, ``evaluatorAssignments``); the
spec's ``unstable`` paths page with ``page``/``limit`` (default 50, max 100) and describe them differently:
an evaluator carries its default ``mapping`` and ``evaluationRuleCount``, a rule its resolved ``evaluator``
(``evaluators[0]``), ``target``, effective ``status`` and the effective ``mapping`` of its first evaluator.
Orders as the guide gives HEAD's: evaluators by ``name ASC, updatedAt DESC, id ASC`` (every generated
evaluator is the project's own, none Langfuse-managed), rules newest created first.
"""

from __future__ import annotations

from typing import Any

from simulator.endpoints.base import V4, ApiError, Request, offset_page, route
from simulator.endpoints.catalog import _rows
from simulator.store import Row

# What a code evaluator's runtime receives; Langfuse maps these itself (spec: unstableEvaluatorBase).
CODE_RUNTIME_VARIABLES = ["input", "output", "metadata", "expected_output"]


def _not_found(entity: str) -> ApiError:
    return ApiError(404, {"message": f"{entity} not found", "code": "resource_not_found"})


def _output_definition(v2: dict[str, Any] | None) -> dict[str, Any]:
    """The v2 ``outputDefinition`` (instructions as flat fields) as the spec's public definition."""
    v2 = v2 or {"dataType": "NUMERIC"}
    score: dict[str, Any] = {"description": v2.get("scoreValueInstructions") or ""}
    if v2.get("dataType") == "NUMERIC":
        score |= {"minValue": v2.get("minValue"), "maxValue": v2.get("maxValue")}
    elif v2.get("dataType") == "CATEGORICAL":
        score |= {"categories": list(v2.get("categories") or []),
                  "shouldAllowMultipleMatches": bool(v2.get("shouldAllowMultipleMatches"))}
    return {"dataType": v2.get("dataType", "NUMERIC"),
            "reasoning": {"description": v2.get("scoreReasoningInstructions") or ""}, "score": score}


def _prompt_text(prompt: Any) -> str:
    if isinstance(prompt, list):  # v2: chat messages; the spec's evaluator has one template string
        return "\n\n".join(str(message.get("content", "")) for message in prompt)
    return str(prompt or "")


def spec_evaluator(row: Row) -> Row:
    kind = row.get("type", "llm_as_judge")
    out: Row = {
        "id": row["id"],
        "name": row["name"],
        "version": row.get("version", 1),
        "type": kind,
        "variables": list(row.get("variables") or (CODE_RUNTIME_VARIABLES if kind == "code" else [])),
        "mapping": row.get("variableMapping"),
        "evaluationRuleCount": len(row.get("evaluationRuleAssignments") or []),
        "createdAt": row["createdAt"],
        "updatedAt": row["updatedAt"],
    }
    if kind == "code":
        out |= {"sourceCode": row.get("sourceCode", ""), "sourceCodeLanguage": row.get("sourceCodeLanguage", "PYTHON")}
    else:
        out |= {"prompt": _prompt_text(row.get("prompt")), "outputDefinition": _output_definition(row.get("outputDefinition")),
                "modelConfig": row.get("modelConfig")}
    return out


def _target(filters: list[dict[str, Any]]) -> str:
    experiment_columns = {"isExperimentItemRootSpan", "datasetId", "experimentId"}
    return "experiment" if any(f.get("column") in experiment_columns for f in filters) else "observation"


def spec_rule(row: Row, evaluators: dict[str, Row]) -> Row:
    assignments = []
    for assignment in row.get("evaluatorAssignments") or []:
        evaluator = evaluators.get(assignment.get("evaluatorId"), {})
        assignments.append((evaluator, {
            "evaluator": {"id": assignment.get("evaluatorId"), "name": evaluator.get("name", ""),
                          "type": evaluator.get("type", "llm_as_judge")},
            "mapping": assignment.get("variableMapping"),
        }))
    first_evaluator, first = assignments[0] if assignments else ({}, None)
    enabled = bool(row.get("enabled", True))
    paused = enabled and first_evaluator.get("status") == "paused"
    filters = list(row.get("filter") or [])
    return {
        "id": row["id"],
        "name": row["name"],
        "evaluator": first["evaluator"] if first else None,
        "evaluators": [served for _, served in assignments],
        "enabled": enabled,
        "status": "paused" if paused else ("active" if enabled else "inactive"),
        "pausedReason": first_evaluator.get("pausedReason") if paused else None,
        "pausedMessage": first_evaluator.get("pausedMessage") if paused else None,
        "sampling": row.get("sampling", 1.0),
        "target": _target(filters),
        "filter": filters,
        # The effective mapping of evaluators[0]: its override, else the evaluator's default.
        "mapping": (first["mapping"] if first and first["mapping"] is not None
                    else first_evaluator.get("variableMapping")) or [],
        "createdAt": row["createdAt"],
        "updatedAt": row["updatedAt"],
    }


def _evaluator_order(rows: list[Row]) -> list[Row]:
    # name ASC, updatedAt DESC, id ASC: stable sorts, least significant key first.
    ordered = sorted(rows, key=lambda row: row["id"])
    ordered.sort(key=lambda row: row.get("updatedAt") or "", reverse=True)
    ordered.sort(key=lambda row: row.get("name") or "")
    return ordered


@route("GET", "/api/public/unstable/evaluators", profiles=V4)
def list_evaluators(request: Request) -> dict[str, Any]:
    page = offset_page(request, _evaluator_order(_rows(request, "evaluators")))
    return {**page, "data": [spec_evaluator(row) for row in page["data"]]}


@route("GET", "/api/public/unstable/evaluators/{evaluatorId}", profiles=V4)
def get_evaluator(request: Request) -> Row:
    return spec_evaluator(_one(request, "evaluators", "evaluatorId", "Evaluator"))


@route("GET", "/api/public/unstable/evaluation-rules", profiles=V4)
def list_evaluation_rules(request: Request) -> dict[str, Any]:
    evaluators = {row["id"]: row for row in _rows(request, "evaluators")}
    rules = sorted(_rows(request, "evaluation_rules"), key=lambda row: (row.get("createdAt") or "", row["id"]),
                   reverse=True)
    page = offset_page(request, rules)
    return {**page, "data": [spec_rule(row, evaluators) for row in page["data"]]}


@route("GET", "/api/public/unstable/evaluation-rules/{evaluationRuleId}", profiles=V4)
def get_evaluation_rule(request: Request) -> Row:
    found = _one(request, "evaluation_rules", "evaluationRuleId", "Evaluation rule")
    return spec_rule(found, {row["id"]: row for row in _rows(request, "evaluators")})


def _one(request: Request, table: str, id_param: str, what: str) -> Row:
    wanted = request.path_params[id_param]
    found = next((row for row in _rows(request, table) if row["id"] == wanted), None)
    if found is None:
        raise _not_found(what)
    return found
