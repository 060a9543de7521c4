"""The small Postgres-backed resources: comments, score configs, models, evaluators, evaluation rules,
annotation queues and their items, the key's project, and health."""

from __future__ import annotations

from typing import Any

from simulator.endpoints.base import (
    BOTH,
    V4,
    ApiError,
    Request,
    bad_request,
    invalid_request,
    offset_page,
    route,
    zod_issue,
)
from simulator.endpoints.keyset import decode_json_cursor, encode_json_cursor
from simulator.endpoints.params import normalise_iso, not_found_error, reject_unknown_params
from simulator.store import Row, Store

COMMENT_OBJECT_TYPES = ("TRACE", "OBSERVATION", "SESSION", "PROMPT")
QUEUE_ITEM_STATUSES = ("PENDING", "COMPLETED")
SERVER_VERSION = "3.120.0"
_PAGE_PARAMS = ("page", "limit")


def _rows(request: Request, attribute: str) -> list[Row]:
    with request.store.lock:
        return list(getattr(request.store, attribute))


def _find(request: Request, attribute: str, key: str, value: str, entity: str) -> Row:
    found = next((row for row in _rows(request, attribute) if row.get(key) == value), None)
    if found is None:
        raise not_found_error(entity)
    return found


def _desc(rows: list[Row], *keys: str) -> list[Row]:
    return sorted(rows, key=lambda row: tuple(row.get(key) or "" for key in keys), reverse=True)


# --- comments ---------------------------------------------------------------------------------


@route("GET", "/api/public/comments", profiles=BOTH)
def list_comments(request: Request) -> dict[str, Any]:
    reject_unknown_params(request, (*_PAGE_PARAMS, "objectType", "objectId", "authorUserId"))
    object_type, object_id, author = (
        request.get("objectType"),
        request.get("objectId"),
        request.get("authorUserId"),
    )
    if object_type is not None and object_type not in COMMENT_OBJECT_TYPES:
        raise invalid_request(
            [
                zod_issue(
                    "objectType",
                    f"Invalid enum value. Expected {' | '.join(COMMENT_OBJECT_TYPES)}",
                    "invalid_enum_value",
                )
            ]
        )
    if object_id and not object_type:
        raise bad_request("objectType is required when objectId is provided")
    rows = [
        row
        for row in _rows(request, "comments")
        if (not object_type or row.get("objectType") == object_type)
        and (not object_id or row.get("objectId") == object_id)
        and (not author or row.get("authorUserId") == author)
    ]
    # No ORDER BY on the real server: a small table comes back in heap order, where each row's latest
    # version was written. An edited comment's new version goes to the end, so an edit while a client
    # pages moves it across the offsets (read twice, or not at all). No column orders this list.
    return offset_page(request, sorted(rows, key=lambda row: row.get("updatedAt") or row.get("createdAt") or ""))


@route("GET", "/api/public/comments/{commentId}", profiles=BOTH)
def get_comment(request: Request) -> Row:
    return _find(request, "comments", "id", request.path_params["commentId"], "Comment")


# --- score configs and models -----------------------------------------------------------------


@route("GET", "/api/public/score-configs", profiles=BOTH)
def list_score_configs(request: Request) -> dict[str, Any]:
    return offset_page(request, _desc(_rows(request, "score_configs"), "createdAt", "id"))


@route("GET", "/api/public/score-configs/{configId}", profiles=BOTH)
def get_score_config(request: Request) -> Row:
    return _find(request, "score_configs", "id", request.path_params["configId"], "Score config")


@route("GET", "/api/public/models", profiles=BOTH)
def list_models(request: Request) -> dict[str, Any]:
    # modelName ASC, unit ASC, startDate DESC NULLS LAST, built from stable sorts, least significant first.
    rows = _rows(request, "models")
    rows.sort(key=lambda row: row.get("startDate") or "", reverse=True)
    rows.sort(key=lambda row: row.get("startDate") is None)
    rows.sort(key=lambda row: (row.get("modelName") or "", row.get("unit") or ""))
    return offset_page(request, rows)


@route("GET", "/api/public/models/{id}", profiles=BOTH)
def get_model(request: Request) -> Row:
    return _find(request, "models", "id", request.path_params["id"], "Model")


# --- evaluators and evaluation rules (cursor-paged, the SDK 5.x paths) -------------------------


def _evaluation_error(status: int, message: str, code: str, issues: list | None = None) -> ApiError:
    """These endpoints answer the `PublicApiError` shape {message, code, details?}."""
    body: dict[str, Any] = {"message": message, "code": code}
    if issues:
        body["details"] = {"issues": issues}
    return ApiError(status, body)


def _newest_created_page(request: Request, rows: list[Row]) -> dict[str, Any]:
    """Newest-first creation order with an opaque cursor, default 50, max 100."""
    raw_limit = request.get("limit")
    try:
        limit = 50 if raw_limit in (None, "") else int(raw_limit)
    except ValueError:
        limit = 0
    if not 1 <= limit <= 100:
        raise _evaluation_error(
            400,
            "Invalid query parameters",
            "invalid_query",
            [zod_issue("limit", "Number must be between 1 and 100", "too_big")],
        )
    ordered = _desc(rows, "createdAt", "id")
    if request.get("cursor"):
        try:
            payload = decode_json_cursor(request.get("cursor"), ("lastCreatedAt", "lastId"))
        except ApiError:
            raise _evaluation_error(400, "Invalid cursor", "invalid_query") from None
        after = (normalise_iso(payload["lastCreatedAt"]) or "", payload["lastId"])
        ordered = [row for row in ordered if ((row.get("createdAt") or ""), row.get("id") or "") < after]
    page = ordered[:limit]
    meta: dict[str, Any] = {}
    if len(ordered) > limit:
        meta["cursor"] = encode_json_cursor(
            {"lastCreatedAt": page[-1].get("createdAt"), "lastId": page[-1]["id"]}
        )
    return {"data": page, "meta": meta}


def _evaluation_get(request: Request, attribute: str, key: str, entity: str) -> Row:
    wanted = request.path_params[key]
    found = next((row for row in _rows(request, attribute) if row.get("id") == wanted), None)
    if found is None:
        raise _evaluation_error(404, f"{entity} not found", "resource_not_found")
    return found


@route("GET", "/api/public/v2/evaluators", profiles=V4)
def list_evaluators(request: Request) -> dict[str, Any]:
    return _newest_created_page(request, _rows(request, "evaluators"))


@route("GET", "/api/public/v2/evaluators/{evaluatorId}", profiles=V4)
def get_evaluator(request: Request) -> Row:
    return _evaluation_get(request, "evaluators", "evaluatorId", "Evaluator")


@route("GET", "/api/public/v2/evaluation-rules", profiles=V4)
def list_evaluation_rules(request: Request) -> dict[str, Any]:
    return _newest_created_page(request, _rows(request, "evaluation_rules"))


@route("GET", "/api/public/v2/evaluation-rules/{evaluationRuleId}", profiles=V4)
def get_evaluation_rule(request: Request) -> Row:
    return _evaluation_get(request, "evaluation_rules", "evaluationRuleId", "Evaluation rule")


# --- annotation queues (zod .strict(): unknown parameters are a 400) ---------------------------


@route("GET", "/api/public/annotation-queues", profiles=BOTH)
def list_annotation_queues(request: Request) -> dict[str, Any]:
    reject_unknown_params(request, _PAGE_PARAMS)
    return offset_page(request, _desc(_rows(request, "annotation_queues"), "createdAt", "id"))


@route("GET", "/api/public/annotation-queues/{queueId}", profiles=BOTH)
def get_annotation_queue(request: Request) -> Row:
    return _find(request, "annotation_queues", "id", request.path_params["queueId"], "Annotation queue")


@route("GET", "/api/public/annotation-queues/{queueId}/items", profiles=BOTH)
def list_annotation_queue_items(request: Request) -> dict[str, Any]:
    reject_unknown_params(request, (*_PAGE_PARAMS, "status"))
    queue_id = request.path_params["queueId"]
    _find(request, "annotation_queues", "id", queue_id, "Annotation queue")
    status = request.get("status")
    if status is not None and status not in QUEUE_ITEM_STATUSES:
        raise invalid_request(
            [
                zod_issue(
                    "status",
                    f"Invalid enum value. Expected {' | '.join(QUEUE_ITEM_STATUSES)}",
                    "invalid_enum_value",
                )
            ]
        )
    rows = [
        row
        for row in _rows(request, "annotation_queue_items")
        if row.get("queueId") == queue_id and (status is None or row.get("status") == status)
    ]
    return offset_page(request, _desc(rows, "createdAt", "id"))


@route("GET", "/api/public/annotation-queues/{queueId}/items/{itemId}", profiles=BOTH)
def get_annotation_queue_item(request: Request) -> Row:
    item = _find(
        request, "annotation_queue_items", "id", request.path_params["itemId"], "Annotation queue item"
    )
    if item.get("queueId") != request.path_params["queueId"]:
        raise not_found_error("Annotation queue item")
    return item


# --- project and health -----------------------------------------------------------------------


def project_of(store: Store) -> Row:
    return {
        "id": store.project_id,
        "name": store.project_name,
        "organization": {"id": "org-demo", "name": "Demo Organization"},
        "metadata": {},
    }


@route("GET", "/api/public/projects", profiles=BOTH)
def get_projects(request: Request) -> dict[str, Any]:
    return {"data": [project_of(request.store)]}


@route("GET", "/api/public/health", profiles=BOTH)
def health(request: Request) -> dict[str, Any]:
    return {"status": "OK", "version": SERVER_VERSION}


UNAUTHENTICATED_TEMPLATES: frozenset[str] = frozenset({"/api/public/health"})
"""The real health route does not check the key (monitoring pings it)."""
