"""Data Langfuse may serve tomorrow, or serves today on a bad day: each row either loads exactly as
served or the run stops with one clear error, and a clean run afterwards lands everything once."""

from datetime import timedelta

import dlt
import pytest

from pipelines.defaults import PIPELINE_NAME
from tests.robustness.support import (
    assert_exact_copy,
    assert_one_clear_line,
    edit_observations,
    observations_newest_first,
    the_one_failure,
    warehouse_keys,
)
from tests.sync.helpers import differences, sync, table_rows

# Long enough to re-read every stored observation, so an edited old row is read again.
EVERYTHING = timedelta(days=3650)
PAGE = 1_000  # /v2/observations rows per page


def _generation_ids(rows, n):
    return [o["id"] for o in rows if o["type"] == "GENERATION"][:n]


def _stored(workdir, observation_id):
    [row] = [r for r in table_rows(workdir, "observations") if r["id"] == observation_id]
    return row


def _sync_edit_sync(sim, workdir, edits):
    """A committed first sync, then the upstream edits ({ids: fields}), then the sync under test."""
    first = sync(sim, workdir, resources=["observations"])
    for ids, fields in edits.items():
        edit_observations(sim, set(ids), **fields)
    sync(sim, workdir, resources=["observations"], lookback=EVERYTHING)
    return first.project_ids[0]


CHANGES_THAT_LOAD = {
    "unknown enum values": dict(type="RERANKER", level="CRITICAL"),
    "a new object field": dict(reasoningTrace={"steps": [{"thought": "…"}], "tokens": 12}),
    "a new text field": dict(dataRegion="eu-west-1"),
    "decimals as strings": dict(totalCost="0.0123", inputPrice="0.000003"),
    "usage details as a list": dict(usageDetails=[120, 45]),
    "nulls where values were": dict(model=None, usageDetails=None, latency=None, endTime=None),
}


@pytest.mark.parametrize("change", sorted(CHANGES_THAT_LOAD))
def test_a_row_with_unexpected_content_loads_exactly_as_served(sim, tmp_path, change):
    ids = tuple(_generation_ids(observations_newest_first(sim), 3))
    project_id = _sync_edit_sync(sim, tmp_path, {ids: CHANGES_THAT_LOAD[change]})
    assert_exact_copy(sim, tmp_path, project_id, "observations")


def test_fields_whose_type_changes_between_pages_load_every_value(sim, tmp_path):
    rows = observations_newest_first(sim)
    assert len(rows) > PAGE, "the test needs two pages"
    page_one, page_two = tuple(_generation_ids(rows[:PAGE], 2)), tuple(_generation_ids(rows[PAGE:], 2))
    project_id = _sync_edit_sync(sim, tmp_path, {
        page_one: dict(totalCost=0.5, usageDetails={"input": 3}, dataRegion="eu", version="v1"),
        page_two: dict(totalCost="0.25", usageDetails=[3, 4], dataRegion={"zone": "b"}, version=3),
    })
    # Typed columns hold every value in their type (compared with the truth, text columns aside) ...
    truth = sim.ground_truth()
    for row in truth["observations"]:
        row.pop("version"), row.pop("dataRegion", None)
    assert differences(tmp_path, truth, "observations", project_id) == []
    # ... and a text column keeps a number or an object as its JSON text.
    text_columns = {i: (_stored(tmp_path, i)["version"], _stored(tmp_path, i)["data_region"])
                    for i in page_one + page_two}
    assert {text_columns[i] for i in page_one} == {("v1", "eu")}
    assert {text_columns[i] for i in page_two} == {("3", '{"zone":"b"}')}


def test_ten_megabytes_of_io_load_byte_for_byte(sim, tmp_path):
    # Langfuse refuses any page over its 5 MB response cap, however small (simulator.unkind): this test
    # is about the warehouse keeping a 10 MB value whole, so the cap is off.
    sim.set_unkind(response_cap_bytes=None)
    [big] = _generation_ids(observations_newest_first(sim), 1)
    output = ("Ω≈ç√ 🙂 " * 700_000)[:10_000_000]
    huge_input = '{"prompt": "' + "x" * 5_000_000 + '"}'
    project_id = _sync_edit_sync(sim, tmp_path, {(big,): dict(output=output, input=huge_input)})
    assert _stored(tmp_path, big)["output"] == output
    assert_exact_copy(sim, tmp_path, project_id, "observations")


ODD_TEXT = {
    "NUL characters": "before\u0000after\u0000",
    "an emoji ZWJ sequence": "family: 👨‍👩‍👧‍👦, flag: 🏳️‍🌈, skin tone: 👋🏽",
    "right-to-left text and marks": "مرحبا بالعالم \u200fשלום\u200e \u202eevil\u202c",
    "combining marks": "Z\u0351\u0358a\u0300\u0301l\u0316g\u0337o e\u0301 vs é",
    "astral and private-use characters": "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \U0010fffd \ue000 \ufeffBOM",
}


@pytest.mark.parametrize("kind", sorted(ODD_TEXT))
def test_odd_unicode_in_names_io_and_metadata_loads_unchanged(sim, tmp_path, kind):
    text = ODD_TEXT[kind]
    [odd] = _generation_ids(observations_newest_first(sim), 1)
    project_id = _sync_edit_sync(sim, tmp_path, {(odd,): dict(
        name=text, output=text, statusMessage=text, metadata={"note": text, text: "as a key"})})
    stored = _stored(tmp_path, odd)
    assert (stored["name"], stored["output"], stored["status_message"]) == (text, text, text)
    assert_exact_copy(sim, tmp_path, project_id, "observations")


UNLOADABLE = {
    "a cost that is not a number": (dict(totalCost="n/a"), ["total_cost", "'n/a'"]),
    "a time that is not a timestamp": (dict(endTime="yesterday"), ["end_time", "yesterday"]),
    "a latency that is an object": (dict(latency={"p50": 1}), ["latency"]),
}


def _watermark(workdir, project_id):
    pipeline = dlt.attach(PIPELINE_NAME, pipelines_dir=str(workdir / "dlt"))
    return pipeline.state["sources"]["langfuse"]["resources"]["observations"]["projects"][project_id]["synced_until"]


@pytest.mark.parametrize("case", sorted(UNLOADABLE))
def test_a_value_that_cannot_be_typed_stops_the_run_clearly_and_loses_nothing(sim, tmp_path, case):
    fields, mentions = UNLOADABLE[case]
    first = sync(sim, tmp_path, resources=["observations"])
    project_id = first.project_ids[0]
    committed = set(warehouse_keys(tmp_path, "observations", "trace_id, id"))
    watermark = _watermark(tmp_path, project_id)
    [bad] = _generation_ids(observations_newest_first(sim), 1)
    original = {key: next(o for o in sim.store.observations if o["id"] == bad)[key] for key in fields}
    edit_observations(sim, {bad}, **fields)

    failure = the_one_failure(sync(sim, tmp_path, resources=["observations"], lookback=EVERYTHING))
    assert_one_clear_line(failure.cause, "observations (project ", "window [", "could not be loaded", *mentions)
    assert set(warehouse_keys(tmp_path, "observations", "trace_id, id")) == committed
    assert _watermark(tmp_path, project_id) == watermark

    edit_observations(sim, {bad}, **original)  # upstream serves a valid value again
    sync(sim, tmp_path, resources=["observations"], lookback=EVERYTHING)
    assert_exact_copy(sim, tmp_path, project_id, "observations")
