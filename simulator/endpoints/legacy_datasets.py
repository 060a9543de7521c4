"""Dataset runs and dataset-run-items, legacy profile: the v3 names of experiments and their items.

A dataset run is an experiment with a dataset (``store.experiments``), its run items are the experiment
items (``store.experiment_items``); ids are shared, so a warehouse can join both generations.
Order is ``createdAt DESC`` (guide §2); unknown datasets and runs are 404.
"""

from __future__ import annotations

from typing import Any

from simulator.endpoints.base import LEGACY, Request, invalid_request, not_found, route, zod_issue
from simulator.endpoints.legacy_paging import offset_page_of, sorted_rows
from simulator.endpoints.legacy_shapes import dataset_run, dataset_run_item, derived
from simulator.store import Row, Store


def _dataset_by_name(store: Store, name: str) -> Row:
    with store.lock:
        found = next((row for row in store.datasets if row["name"] == name), None)
    if found is None:
        raise not_found("Dataset not found")
    return found


def _run(store: Store, dataset_id: str, run_name: str) -> Row:
    with store.lock:
        found = next(
            (row for row in store.experiments if row.get("datasetId") == dataset_id and row["name"] == run_name),
            None,
        )
    if found is None:
        raise not_found("Dataset run not found")
    return found


def _created_key(row: Row) -> tuple:
    return (row.get("createdAt") or row.get("startTime"), row["id"])


def _run_items(store: Store, run_id: str) -> list[Row]:
    with store.lock:
        items = [row for row in store.experiment_items if row["experimentId"] == run_id]
    items.sort(key=_created_key, reverse=True)
    return [dataset_run_item(row) for row in items]


@route("GET", "/api/public/datasets/{datasetName}/runs", profiles=LEGACY, rate_bucket="datasets")
def list_dataset_runs(request: Request) -> dict[str, Any]:
    dataset = _dataset_by_name(request.store, request.path_params["datasetName"])
    view = derived(request.store)
    index = sorted_rows(
        request.store, ("legacy-dataset-runs", dataset["id"]), lambda store: store.experiments,
        _created_key, lambda row: row.get("datasetId") == dataset["id"],
    )
    return offset_page_of(request, index, convert=lambda row: dataset_run(row, view), versioned=False)  # Postgres


@route("GET", "/api/public/datasets/{datasetName}/runs/{runName}", profiles=LEGACY, rate_bucket="datasets")
def get_dataset_run(request: Request) -> Row:
    dataset = _dataset_by_name(request.store, request.path_params["datasetName"])
    run = _run(request.store, dataset["id"], request.path_params["runName"])
    return {**dataset_run(run, derived(request.store)), "datasetRunItems": _run_items(request.store, run["id"])}


@route("GET", "/api/public/dataset-run-items", profiles=LEGACY, rate_bucket="datasets")
def list_dataset_run_items(request: Request) -> dict[str, Any]:
    missing = [name for name in ("datasetId", "runName") if not request.get(name)]
    if missing:
        raise invalid_request([zod_issue(name, "Required", code="invalid_type") for name in missing])
    run = _run(request.store, request.get("datasetId"), request.get("runName"))
    index = sorted_rows(
        request.store, ("legacy-dataset-run-items", run["id"]), lambda store: store.experiment_items,
        _created_key, lambda row: row["experimentId"] == run["id"],
    )
    return offset_page_of(request, index, convert=dataset_run_item)
