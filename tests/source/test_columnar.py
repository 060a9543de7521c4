"""Pages decoded by DuckDB's JSON reader equal the Python decoding; anything it cannot take exactly goes
the Python way."""

import json

import httpx
import orjson
import pyarrow as pa
import pytest

from simulator import Simulator
from sources.langfuse.arrow import rows_to_table
from sources.langfuse.columnar import ColumnarDecoder, python_page
from sources.langfuse.http import BadBody
from sources.langfuse.specs import OBSERVATION_FIELD_GROUPS, specs_for

OBSERVATIONS = specs_for("v4")["observations"]
ROW = {"id": "a", "traceId": "t", "startTime": "2026-01-01T00:00:00.000Z", "name": "n",
       "metadata": {"k": 1}, "input": "x", "totalCost": 1.5, "inputUsage": 3}


def page(rows, cursor="next"):
    return orjson.dumps({"data": rows, "meta": {"cursor": cursor}})


def python_table(content):
    table, _ = rows_to_table(orjson.loads(content)["data"], OBSERVATIONS.columns)
    return table


def learned_decoder(content, slots: int = 2):
    """A decoder that has read the first page of a read (and so knows the layout)."""
    decoder = ColumnarDecoder(OBSERVATIONS.columns, slots=slots)
    first = decoder.decode(content)
    if first.rows is not None:
        table, discovered = rows_to_table(first.rows, OBSERVATIONS.columns)
        decoder.learn(first.rows, discovered)
    return decoder


def same_values(expected: pa.Table, actual: pa.Table):
    assert actual.schema == expected.schema
    for name in expected.column_names:
        data_type = OBSERVATIONS.columns.get(name)
        left, right = expected[name].to_pylist(), actual[name].to_pylist()
        if data_type == "json":  # the same JSON, whichever way a number is spelled (1.02e-6 / 0.00000102)
            left = [None if v is None else json.loads(v) for v in left]
            right = [None if v is None else json.loads(v) for v in right]
        assert left == right, name


@pytest.fixture(scope="module")
def simulated_pages():
    with Simulator(seed=3, traces=300).start() as sim:
        params = {"fields": OBSERVATION_FIELD_GROUPS, "limit": 1000, "fromStartTime": "2023-01-01T00:00:00.000Z"}
        with httpx.Client(base_url=sim.base_url + "/api/public", auth=(sim.public_key, sim.secret_key)) as client:
            first = client.get("/v2/observations", params=params).content
            second = client.get("/v2/observations",
                                params={**params, "cursor": orjson.loads(first)["meta"]["cursor"]}).content
    return first, second


def test_a_simulated_page_decodes_to_the_same_table_either_way(simulated_pages):
    first, second = simulated_pages
    decoder = learned_decoder(first)
    decoded = decoder.decode(second)
    assert decoded.table is not None and decoded.rows is None
    assert decoded.cursor == orjson.loads(second)["meta"]["cursor"]
    assert decoded.table.num_rows == 1000
    same_values(python_table(second), decoded.table)
    assert (decoder.fast_pages, decoder.python_pages) == (2, 0)  # the first page's layout was probed, not parsed
    decoder.close()


def test_the_first_page_is_laid_out_by_the_python_paths_rules():
    rows = [{"id": "a", "laterText": None, "laterObject": None, "allNull": None},
            {"id": "b", "laterText": "x", "laterObject": {"a": 1}, 'odd"key': [1], "allNull": None}]
    content = page(rows)
    decoded = ColumnarDecoder(OBSERVATIONS.columns).decode(content)
    assert decoded.table is not None
    expected = python_table(content)
    assert "all_null" not in decoded.table.column_names and "all_null" not in expected.column_names
    same_values(expected, decoded.table)


@pytest.mark.parametrize("label, changes", [
    ("NUL characters", {"name": "a\u0000b", "metadata": {"k": "a\u0000b"}}),
    ("odd unicode", {"name": "🔥 שלום 検索 Z̤͔ͧ̑a̸͎l̶̞g̷̣o̵̺", "metadata": {"e": "👩\u200d💻", "rtl": "\u202e"}}),
    ("control characters", {"name": "a\x01\x1fb\n\t"}),
    ("a number sent as text", {"totalCost": "0.0000006", "inputUsage": "17"}),
    ("a text field that received an object", {"name": {"x": [1, 2]}}),
    ("a timestamp with an offset", {"startTime": "2026-01-01T02:00:00.000+02:00"}),
    ("nanoseconds", {"startTime": "2026-01-01T00:00:00.123456789Z"}),
    ("JSON that is a plain string", {"metadata": "just text"}),
])
def test_awkward_values_decode_the_same_either_way(label, changes):
    content = page([ROW, {**ROW, "id": "b", **changes}])
    decoder = learned_decoder(page([ROW]))
    decoded = decoder.decode(content)
    assert decoded.table is not None, label
    same_values(python_table(content), decoded.table)
    decoder.close()


@pytest.mark.parametrize("label, row", [
    ("a key no page had before", {**ROW, "brandNewField": "v"}),
    ("a value that does not cast", {**ROW, "startTime": "yesterday"}),
    ("a boolean sent as a word", {**ROW, "public": "false"}),
])
def test_what_the_layout_cannot_take_goes_the_python_way(label, row):
    decoder = learned_decoder(page([ROW]))
    decoded = decoder.decode(page([ROW, row]))
    assert decoded.table is None and decoded.rows == [ROW, row], label
    decoder.close()


def test_a_column_only_ever_null_is_watched_until_a_value_arrives():
    decoder = learned_decoder(page([{**ROW, "futureField": None}]))
    quiet = decoder.decode(page([{**ROW, "futureField": None}]))
    assert quiet.table is not None and "future_field" not in quiet.table.column_names  # as the Python path
    woken = decoder.decode(page([{**ROW, "futureField": {"now": "typed"}}]))
    assert woken.rows is not None  # the Python path types it (JSON) and the layout learns it
    table, discovered = rows_to_table(woken.rows, OBSERVATIONS.columns)
    decoder.learn(woken.rows, discovered)
    typed = decoder.decode(page([{**ROW, "futureField": {"later": 1}}]))
    assert typed.table["future_field"].to_pylist() == ['{"later":1}']
    decoder.close()


def test_an_empty_page_ends_the_read_either_way():
    decoder = learned_decoder(page([ROW]))
    decoded = decoder.decode(page([], cursor=None))
    assert len(decoded) == 0 and decoded.cursor is None
    decoder.close()


@pytest.mark.parametrize("body", [page([ROW])[:-7], b"<html>502 Bad Gateway</html>", b"[1, 2]"])
def test_a_body_that_is_not_a_page_is_a_bad_body_worth_a_retry(body):
    decoder = learned_decoder(page([ROW]))
    with pytest.raises(BadBody):
        decoder.decode(body)
    with pytest.raises(BadBody):
        python_page(body)
    decoder.close()


def test_scratch_files_never_outlive_the_decoder():
    import glob
    import os
    import threading

    from sources.langfuse.columnar import _scratch_dir

    pattern = os.path.join(_scratch_dir() or __import__("tempfile").gettempdir(), "langfuse-page-*")
    before = set(glob.glob(pattern))
    decoder = learned_decoder(page([ROW]))
    worker = threading.Thread(target=decoder.decode, args=(page([ROW]),))
    worker.start()
    worker.join()
    decoder.decode(page([ROW]))
    scratches = [slot.scratch for slot in decoder._opened]
    assert scratches
    decoder.close()
    assert set(glob.glob(pattern)) <= before  # unlinked (at once on Linux, at close elsewhere)
    for scratch in scratches:
        with pytest.raises(OSError):
            os.fstat(scratch._fd)
    assert decoder.decode(page([ROW])).rows == [ROW]  # a late page after close: the Python path


def test_any_number_of_reading_threads_share_a_few_connections():
    """Sixteen readers (``--concurrency 16``) decode through at most ``slots`` DuckDB connections, so the
    decoder's memory does not grow with the requests in flight; every page still decodes exactly."""
    import threading

    decoder_slots = 2
    decoder = learned_decoder(page([ROW]), slots=decoder_slots)
    results = []

    def read() -> None:
        for _ in range(5):
            results.append(decoder.decode(page([ROW])))

    readers = [threading.Thread(target=read) for _ in range(16)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert len(results) == 80
    assert all(result.table is not None and result.table.num_rows == 1 for result in results)
    assert 1 <= len(decoder._opened) <= decoder_slots
    decoder.close()
