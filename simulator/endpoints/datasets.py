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


def _versioned_order(rows: list[Row]) -> list[Row]:
    """``valid_from DESC, id ASC``: an item's latest version starts at its last edit (``updatedAt``)."""
    by_id = sorted(rows, key=lambda row: row.get("id") or "")
    return sorted(by_id, key=lambda row: row.get("updatedAt") or row.get("createdAt") or "", reverse=True)


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
        # Only ACTIVE items are listed; archived ones simply disappear.
        if item.get("status") != "ACTIVE":
            return False
        if dataset_name and item.get("datasetName") != dataset_name:
            return False
        if source_trace and item.get("sourceTraceId") != source_trace:
            return False
        if source_observation and item.get("sourceObservationId") != source_observation:
            return False
        # Without version history, a point in time keeps the items that existed then.
        return version is None or (item.get("createdAt") or "") <= version

    return offset_page(request, _versioned_order([item for item in items if wanted(item)]))


@route("GET", "/api/public/dataset-items/{id}", profiles=BOTH, rate_bucket="datasets")
def get_dataset_item(request: Request) -> Row:
    item_id = request.path_params["id"]
    with request.store.lock:
        found = next((row for row in request.store.dataset_items if row.get("id") == item_id), None)
    if found is None:
        raise not_found_error("Dataset item")
    return found
