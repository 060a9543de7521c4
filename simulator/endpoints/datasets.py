"""Datasets and dataset items (offset-paged, Postgres-backed, served by v4 and v3 deployments alike)."""

from __future__ import annotations

from typing import Any

from simulator.endpoints.base import BOTH, Request, bad_request, offset_page, route
from simulator.endpoints.params import iso_bound, not_found_error
from simulator.store import Row


def _newest_first(rows: list[Row], key: str) -> list[Row]:
    return sorted(rows, key=lambda row: (row.get(key) or "", row.get("id") or ""), reverse=True)


@route("GET", "/api/public/v2/datasets", profiles=BOTH, rate_bucket="datasets")
def list_datasets(request: Request) -> dict[str, Any]:
    with request.store.lock:
        rows = list(request.store.datasets)
    return offset_page(request, _newest_first(rows, "createdAt"))


@route("GET", "/api/public/v2/datasets/{datasetName}", profiles=BOTH, rate_bucket="datasets")
def get_dataset(request: Request) -> Row:
    name = request.path_params["datasetName"]
    with request.store.lock:
        found = next((row for row in request.store.datasets if row.get("name") == name), None)
    if found is None:
        raise not_found_error("Dataset")
    return found


def _valid_from(row: Row, version: str | None) -> str:
    """When the item's version served at ``version`` (None: now) began: its last edit if that came before,
    else its creation. The store keeps each item's latest version and its creation, no edit between."""
    edited = row.get("updatedAt") or row.get("createdAt") or ""
    return edited if version is None or edited <= version else (row.get("createdAt") or "")


def _versioned_order(rows: list[Row], version: str | None = None) -> list[Row]:
    """``valid_from DESC, id ASC``: an item's latest version starts at its last edit (``updatedAt``)."""
    by_id = sorted(rows, key=lambda row: row.get("id") or "")
    return sorted(by_id, key=lambda row: _valid_from(row, version), reverse=True)


def _as_of(item: Row, version: str | None) -> Row | None:
    """The item as ``version`` (a point in time; None: now) sees it: ``valid_from <= version < valid_to``.

    An item archived after that point was still ACTIVE then (its archive is its last edit, ``updatedAt``),
    so a versioned read lists it; the current list no longer does.
    """
    created = item.get("createdAt") or ""
    if version is not None and created > version:
        return None  # not yet created
    if item.get("status") == "ACTIVE":
        return item
    archived_at = item.get("updatedAt") or created
    if version is not None and archived_at > version:
        return {**item, "status": "ACTIVE", "updatedAt": _valid_from(item, version)}
    return None


@route("GET", "/api/public/dataset-items", profiles=BOTH, rate_bucket="datasets")
def list_dataset_items(request: Request) -> dict[str, Any]:
    dataset_name = request.get("datasetName")
    version = iso_bound(request, "version")
    if version is not None and not dataset_name:
        raise bad_request("datasetName is required when version is specified")
    source_trace, source_observation = request.get("sourceTraceId"), request.get("sourceObservationId")
    with request.store.lock:
        items = list(request.store.dataset_items)
        dataset_names = {row.get("name") for row in request.store.datasets}
    if dataset_name and dataset_name not in dataset_names:
        raise not_found_error("Dataset")

    def wanted(item: Row) -> bool:
        if dataset_name and item.get("datasetName") != dataset_name:
            return False
        if source_trace and item.get("sourceTraceId") != source_trace:
            return False
        return not source_observation or item.get("sourceObservationId") == source_observation

    # Only ACTIVE items are listed (archived ones disappear), as of ``version`` when one is given.
    listed = [seen for item in items if wanted(item) and (seen := _as_of(item, version)) is not None]
    return offset_page(request, _versioned_order(listed, version))


@route("GET", "/api/public/dataset-items/{id}", profiles=BOTH, rate_bucket="datasets")
def get_dataset_item(request: Request) -> Row:
    item_id = request.path_params["id"]
    with request.store.lock:
        found = next((row for row in request.store.dataset_items if row.get("id") == item_id), None)
    if found is None:
        raise not_found_error("Dataset item")
    return found
