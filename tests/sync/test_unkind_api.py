"""Each way the real Langfuse is unkind to a client (``simulator.unkind``), on its own, survived exactly.

First each test shows that the simulator really does it (a naive client would lose or double rows, or
never get through), then that the sync still loads exactly the ground truth.
"""

import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from simulator import Simulator, Unkindness
from tests.sync.helpers import differences, sync, table_rows

LEGACY_KEYS = {"traces": ("id",), "observations": ("trace_id", "id"), "scores": ("id",), "sessions": ("id",)}
TRUTH_KEYS = {"traces": ("id",), "observations": ("traceId", "id"), "scores": ("id",), "sessions": ("id",)}
ALL_TIME = {"fromTimestamp": "2023-01-01T00:00:00.000Z"}


@pytest.fixture()
def legacy_sim():
    with Simulator(seed=11, traces=80, api="legacy").start() as simulator:
        yield simulator


def _loaded_keys(workdir, table):
    rows = table_rows(workdir, table)
    keys = [tuple(row[k] for k in LEGACY_KEYS[table]) for row in rows]
    assert len(keys) == len(set(keys)), f"{table}: a row was loaded twice"
    return set(keys)


def _truth_keys(sim, table):
    return {tuple(row[k] for k in TRUTH_KEYS[table]) for row in sim.ground_truth()[table]}


def _naive_offset_read(sim, path, params, limit):
    """What a client paging by page number gets: every row served, in order, repeats included."""
    served, page = [], 1
    with httpx.Client(base_url=sim.base_url + "/api/public", auth=sim.auth) as client:
        while True:
            body = client.get(path, params={**params, "page": page, "limit": limit}).json()
            if not body["data"]:
                return served, body
            served.append(body["data"])
            page += 1


def test_ties_across_legacy_page_boundaries_are_read_exactly_once(legacy_sim, tmp_path):
    # 9 traces (~70 observations) in one millisecond: more than a page of 50, less than one of 100.
    legacy_sim.set_unkind(short_pages=False, response_cap_bytes=None)  # ties on their own
    legacy_sim.add_traces(9, at=datetime(2026, 11, 10, 12, 0, 0, 500000, tzinfo=UTC), same_start_time=True)
    legacy_sim.settle()
    pages, _ = _naive_offset_read(legacy_sim, "/observations", {}, limit=50)
    naive = [(row["traceId"], row["id"]) for page in pages for row in page]
    truth = _truth_keys(legacy_sim, "observations")
    assert len(naive) == len(truth) and set(naive) != truth, "a naive client should lose and double tied rows"

    legacy_sim.set_unkind(**Unkindness().to_json())  # and the sync against every unkindness at once
    sync(legacy_sim, tmp_path, resources=["traces", "observations"])
    assert _loaded_keys(tmp_path, "observations") == truth
    assert _loaded_keys(tmp_path, "traces") == _truth_keys(legacy_sim, "traces")


def test_more_traces_in_one_millisecond_than_a_page_are_read_in_id_order(legacy_sim, tmp_path):
    legacy_sim.add_traces(130, at=datetime(2026, 11, 10, 12, 0, 0, 500000, tzinfo=UTC), seed=4)
    legacy_sim.settle()
    sync(legacy_sim, tmp_path, resources=["traces"])
    assert _loaded_keys(tmp_path, "traces") == _truth_keys(legacy_sim, "traces")


def test_short_pages_and_too_high_totals_end_no_legacy_read_early(legacy_sim, tmp_path):
    legacy_sim.set_unkind(unstable_ties=False)  # short pages on their own
    pages, last = _naive_offset_read(legacy_sim, "/v2/scores", ALL_TIME, limit=100)
    legacy_sim.set_unkind(**Unkindness().to_json())
    sizes = [len(page) for page in pages]
    assert any(size < 100 for size in sizes[:-1]), f"no short page mid-stream: {sizes}"
    ids = [row["id"] for page in pages for row in page]
    assert last["meta"]["totalItems"] > len(set(ids)), "totalItems should count unmerged versions too"

    sync(legacy_sim, tmp_path, resources=["traces", "observations", "scores", "sessions"])
    for table in ("traces", "observations", "scores", "sessions"):
        assert _loaded_keys(tmp_path, table) == _truth_keys(legacy_sim, table), table


def test_rows_inserted_while_a_legacy_list_is_paged_are_neither_lost_nor_doubled(legacy_sim, tmp_path, monkeypatch):
    legacy_sim.set_unkind(ingestion_lag_seconds=0)  # each insert lands between two pages
    now = datetime.now(UTC)
    inserted = []
    inserting = threading.Lock()  # requests of concurrent sub-windows call the hook at once

    def insert_between_pages(request):
        with inserting:
            if request.url.params.get("fromStartTime") and len(inserted) < 6:
                # Newer than everything read so far, so every offset after them would shift.
                inserted.extend(legacy_sim.add_traces(1, at=now - timedelta(minutes=20 - len(inserted))))

    original = httpx.Client
    monkeypatch.setattr(httpx, "Client", lambda *args, **kwargs: original(
        *args, **kwargs, event_hooks={"request": [insert_between_pages]}))
    sync(legacy_sim, tmp_path, resources=["observations"])
    monkeypatch.undo()
    assert len(inserted) == 6
    _loaded_keys(tmp_path, "observations")  # asserts no key twice

    sync(legacy_sim, tmp_path, resources=["observations"])  # the inserts are inside the look-back
    assert _loaded_keys(tmp_path, "observations") == _truth_keys(legacy_sim, "observations")


def test_a_page_too_heavy_for_the_server_is_read_in_smaller_pages(sim, tmp_path):
    big = [row for row in sim.store.observations if len(row["input"] or "") > 1_000_000]
    assert len(big) == 3
    params = {"fields": "core,io", "fromStartTime": "2023-01-01T00:00:00.000Z", "limit": 1000,
              "toStartTime": "2026-11-20T00:00:00.000Z"}
    with httpx.Client(base_url=sim.base_url + "/api/public", auth=sim.auth) as client:
        answers = [client.get("/v2/observations", params=params) for _ in range(3)]
    assert {answer.status_code for answer in answers} == {422}, "the same heavy request must fail every time"
    assert "reduce the page size" in answers[0].json()["message"]

    # One sub-window: the request count below is one paginator's (sub-windows add a request per cut).
    report = sync(sim, tmp_path, resources=["observations"], concurrency=1)
    assert report.retries["http 422: smaller page"] >= 1
    assert differences(tmp_path, sim.ground_truth(), "observations", report.project_ids[0]) == []
    # 1,095 rows: a size that stays halved would need ~70 pages of the 15 rows that pass at the documents.
    passed = report.requests - report.retries["http 422: smaller page"]
    assert passed <= 15, "the page size must grow back after the heavy rows"


def test_a_row_arriving_after_its_window_was_read_lands_once_the_lag_has_passed(sim, tmp_path):
    sync(sim, tmp_path)
    late = sim.add_traces(2, at=datetime.now(UTC) - timedelta(minutes=5))
    report = sync(sim, tmp_path)  # read up to now: the new rows are still being ingested
    loaded = {row["trace_id"] for row in table_rows(tmp_path, "observations")}
    assert not set(late) & loaded and sim.pending_changes

    sim.settle()  # as if the lag (up to 10 min, and the running traces' ends) had passed
    report = sync(sim, tmp_path)  # the default look-back (1 h) covers the lag
    truth = sim.ground_truth()
    for table in ("observations", "scores"):
        assert differences(tmp_path, truth, table, report.project_ids[0]) == []


def test_a_row_updated_after_it_was_read_is_replaced_by_its_new_version(sim, tmp_path):
    sync(sim, tmp_path)
    added = sim.add_traces(8, at=datetime.now(UTC) - timedelta(minutes=3))
    while sim.pending_changes > 1:  # the traces are in, the ends of the running ones are not yet
        sim.advance(15)
    sync(sim, tmp_path)
    unfinished = {(row["trace_id"], row["id"]) for row in table_rows(tmp_path, "observations")
                  if row["trace_id"] in added and row["end_time"] is None}
    assert unfinished, "some added traces should first be served still running"

    sim.settle()
    report = sync(sim, tmp_path)
    rows = {(row["trace_id"], row["id"]): row for row in table_rows(tmp_path, "observations")}
    assert all(rows[key]["end_time"] is not None for key in unfinished)
    assert differences(tmp_path, sim.ground_truth(), "observations", report.project_ids[0]) == []


def test_catalogs_longer_than_a_page_are_read_whole(tmp_path):
    catalogs = ["models", "prompts", "dataset_items", "comments"]
    with Simulator(seed=3, traces=420).start() as big:
        truth = big.ground_truth()
        assert len(truth["models"]) > 100 and len({row["name"] for row in truth["prompts"]}) > 100
        assert len(truth["dataset_items"]) > 1000 and len(truth["comments"]) > 100
        report = sync(big, tmp_path, resources=catalogs)
    for table in catalogs:
        assert differences(tmp_path, truth, table, report.project_ids[0]) == [], table
