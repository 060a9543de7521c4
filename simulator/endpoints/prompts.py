"""Prompts: the PromptMeta list (one row per name over the versions matching the filters) and one prompt."""

from __future__ import annotations

from typing import Any

from simulator.endpoints.base import BOTH, Request, bad_request, offset_page, parse_int_param, route
from simulator.endpoints.params import iso_bound, not_found_error
from simulator.store import Row


def _version_matches(
    row: Row, request: Request, lower: str | None, upper: str | None, version: int | None
) -> bool:
    name, label, tag = request.get("name"), request.get("label"), request.get("tag")
    updated = row.get("updatedAt") or ""
    return (
        (not name or row.get("name") == name)
        and (not label or label in (row.get("labels") or []))
        and (not tag or tag in (row.get("tags") or []))
        and (lower is None or updated >= lower)
        and (upper is None or updated < upper)
        and (version is None or row.get("version") == version)
    )


def _prompt_meta(versions: list[Row]) -> Row:
    """versions, labels and lastUpdatedAt are computed over the matching versions only."""
    latest = max(versions, key=lambda row: row["version"])
    return {
        "name": latest["name"],
        "type": latest.get("type"),
        "versions": sorted(row["version"] for row in versions),
        "labels": sorted({label for row in versions for label in row.get("labels") or []}),
        "tags": sorted({tag for row in versions for tag in row.get("tags") or []}),
        "lastUpdatedAt": max(row.get("updatedAt") or "" for row in versions),
        "lastConfig": latest.get("config"),
    }


@route("GET", "/api/public/v2/prompts", profiles=BOTH, rate_bucket="prompts")
def list_prompts(request: Request) -> dict[str, Any]:
    lower, upper = iso_bound(request, "fromUpdatedAt"), iso_bound(request, "toUpdatedAt")
    version = parse_int_param(request, "version", None, None, None) if request.get("version") else None
    with request.store.lock:
        rows = list(request.store.prompts)
    by_name: dict[str, list[Row]] = {}
    for row in rows:
        if _version_matches(row, request, lower, upper, version):
            by_name.setdefault(row["name"], []).append(row)
    metas = [_prompt_meta(by_name[name]) for name in sorted(by_name)]
    page = offset_page(request, metas, default_limit=10)
    # The legacy `pagination` key repeats `meta` (langfuse issue #2068).
    page["pagination"] = page["meta"]
    return page


@route("GET", "/api/public/v2/prompts/{promptName}", profiles=BOTH, rate_bucket="prompts")
def get_prompt(request: Request) -> Row:
    name = request.path_params["promptName"]
    label = request.get("label")
    version = parse_int_param(request, "version", None, None, None) if request.get("version") else None
    if label and version is not None:
        raise bad_request("Cannot specify both version and label")
    if version is None and not label:
        label = "production"
    with request.store.lock:
        candidates = [row for row in request.store.prompts if row.get("name") == name]
    if version is not None:
        found = next((row for row in candidates if row.get("version") == version), None)
    else:
        found = next((row for row in candidates if label in (row.get("labels") or [])), None)
    if found is None:
        raise not_found_error("Prompt")
    return found
