"""Reading one export: manifests as the unit of work, every format, empty files, units, dlt's storage config."""

import gzip
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from simulator import Simulator
from simulator.export import write_export
from sources.langfuse.arrow import ARROW_TYPES
from sources.langfuse.errors import ConfigurationError
from sources.langfuse.export.manifest import ExportFile, list_manifests
from sources.langfuse.export.reader import ExportFileReader
from sources.langfuse.export.storage import open_export, redact
from sources.langfuse.specs import OBSERVATION_COLUMNS, SCORE_COLUMNS


@pytest.fixture(scope="module")
def truth():
    with Simulator(seed=5, traces=40) as simulator:
        return simulator.ground_truth()


def _read_all(root: str) -> dict[str, pa.Table]:
    fs, path = open_export(root)
    reader = ExportFileReader(fs)
    out: dict[str, list[pa.Table]] = {"observations_v2": [], "scores": []}
    for manifest in list_manifests(fs, path):
        for file in manifest.files:
            declared = OBSERVATION_COLUMNS if file.table == "observations_v2" else SCORE_COLUMNS
            out[file.table] += list(reader.tables(file, declared))
    reader.close()
    return {table: pa.concat_tables(tables, promote_options="default") for table, tables in out.items()}


def test_manifests_are_the_unit_of_work_and_the_orphan_is_not_among_their_files(truth, tmp_path):
    written = write_export(truth, str(tmp_path / "bucket" / "team-a"), project_id="p1", prefix="lf/", windows=3)
    fs, root = open_export(str(tmp_path / "bucket"))  # a folder above the prefix and the project
    manifests = list_manifests(fs, root)
    assert [m.window_max for m in manifests] == sorted(m.window_max for m in manifests) and len(manifests) == 3
    listed = {f.path for m in manifests for f in m.files}
    assert all(fs.exists(path) for path in listed)
    assert not any(path.endswith(written.orphan_keys[0].rsplit("/", 1)[1]) for path in listed)
    assert manifests[0].window_max == manifests[1].window_min  # adjacent windows share their boundary


@pytest.mark.parametrize("file_format", ["parquet", "json", "jsonl", "csv"])
@pytest.mark.parametrize("gzip_files", [True, False])
def test_every_format_reads_to_the_same_typed_columns(truth, tmp_path, file_format, gzip_files):
    write_export(truth, str(tmp_path / "x"), project_id="p1", file_format=file_format, gzip_files=gzip_files)
    tables = _read_all(str(tmp_path / "x"))
    observations = tables["observations_v2"]
    assert observations.num_rows >= len(truth["observations"])  # boundary rows twice before deduplication
    assert observations.schema.field("start_time").type == ARROW_TYPES["timestamp"]
    assert observations.schema.field("input_usage").type == pa.int64()
    assert observations.schema.field("total_cost").type == pa.float64()
    assert observations.schema.field("is_root_observation").type == pa.bool_()  # derived where not exported
    assert tables["scores"].schema.field("value_boolean").type == pa.bool_()
    if file_format != "parquet":  # only the text formats carry prices
        assert observations.schema.field("input_price").type == pa.float64()


def test_latency_in_milliseconds_is_loaded_in_seconds_whatever_the_format(truth, tmp_path):
    expected = {(o["traceId"], o["id"]): o["latency"] for o in truth["observations"]}
    for file_format in ("parquet", "jsonl", "csv"):
        write_export(truth, str(tmp_path / file_format), project_id="p1", file_format=file_format, latency_unit="ms")
        observations = _read_all(str(tmp_path / file_format))["observations_v2"]
        keys = zip(observations["trace_id"].to_pylist(), observations["id"].to_pylist(), strict=True)
        for key, latency in zip(keys, observations["latency"].to_pylist(), strict=True):
            if expected.get(key) is not None:
                assert latency == pytest.approx(expected[key], abs=0.0005), (file_format, key)


@pytest.mark.parametrize("file_type, compressed, body", [
    ("json", False, b"[]"), ("jsonl", False, b""), ("csv", False, b""),
    ("jsonl", True, gzip.compress(b"", mtime=0)), ("csv", True, gzip.compress(b"", mtime=0)),
    ("json", True, gzip.compress(b"[]", mtime=0)),
], ids=["json", "jsonl", "csv", "jsonl.gz", "csv.gz", "json.gz"])
def test_empty_files_give_no_rows(tmp_path, file_type, compressed, body):
    path = tmp_path / f"empty.{file_type}"
    path.write_bytes(body)
    fs, _ = open_export(str(tmp_path))
    reader = ExportFileReader(fs)
    file = ExportFile(str(path), "scores", file_type, compressed, size_bytes=None, row_count=None)
    assert list(reader.tables(file, SCORE_COLUMNS)) == []


def test_rows_before_a_bound_are_left_out(truth, tmp_path):
    write_export(truth, str(tmp_path / "x"), project_id="p1", windows=1)
    fs, root = open_export(str(tmp_path / "x"))
    [manifest] = list_manifests(fs, root)
    [file] = manifest.files_of("observations_v2")
    bound = datetime(2026, 11, 1, tzinfo=UTC)
    rows = pa.concat_tables(ExportFileReader(fs).tables(file, OBSERVATION_COLUMNS, since=bound))
    assert rows.num_rows == sum(o["startTime"] >= "2026-11-01" for o in truth["observations"])


def test_a_missing_export_folder_and_credentials_in_a_url_are_named_without_the_secret(tmp_path):
    fs, root = open_export(str(tmp_path / "nowhere"))
    with pytest.raises(ConfigurationError, match="does not exist"):
        list_manifests(fs, root)
    assert redact("s3://key:secret@bucket/prefix/?token=abc") == "s3://bucket/prefix/"


def test_dlt_resolves_bucket_credentials_from_the_export_section(monkeypatch):
    """The dlt internals this module relies on: a bucket URL's scheme picks the credentials class,
    resolved from SOURCES__LANGFUSE__EXPORT__CREDENTIALS__*, turned into an fsspec filesystem."""
    pytest.importorskip("s3fs")
    monkeypatch.setenv("SOURCES__LANGFUSE__EXPORT__CREDENTIALS__AWS_ACCESS_KEY_ID", "AKIADLTSTYLE")
    monkeypatch.setenv("SOURCES__LANGFUSE__EXPORT__CREDENTIALS__AWS_SECRET_ACCESS_KEY", "dlt-secret")
    monkeypatch.setenv("SOURCES__LANGFUSE__EXPORT__CREDENTIALS__ENDPOINT_URL", "http://127.0.0.1:9")
    fs, path = open_export("s3://some-bucket/exports/")
    assert path == "some-bucket/exports" and "s3" in fs.protocol
    assert fs.key == "AKIADLTSTYLE" and fs.endpoint_url == "http://127.0.0.1:9"


def test_a_legacy_observations_file_holding_an_id_twice_gives_its_newest_version(truth, tmp_path):
    """Langfuse skips the legacy table's LIMIT 1 BY id for OTEL projects."""
    import orjson

    write_export(truth, str(tmp_path / "x"), project_id="p1", layout="legacy", file_format="jsonl",
                 gzip_files=False, windows=1)
    fs, root = open_export(str(tmp_path / "x"))
    [manifest] = list_manifests(fs, root)
    [file] = manifest.files_of("observations")
    lines = open(file.path, "rb").read().splitlines()
    newer = orjson.loads(lines[0]) | {"updated_at": "2030-01-01 00:00:00.000", "name": "newer"}
    with open(file.path, "ab") as out:
        out.write(orjson.dumps(newer) + b"\n")
    rows = pa.concat_tables(ExportFileReader(fs).tables(file, OBSERVATION_COLUMNS))
    assert rows.num_rows == len(lines)
    [kept] = [r for r in rows.to_pylist() if (r["trace_id"], r["id"]) == (newer["trace_id"], newer["id"])]
    assert kept["name"] == "newer"
