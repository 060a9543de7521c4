"""The export read from an S3-compatible bucket (moto's server, on this machine) like a real one.

Credentials come the dlt way (env vars of the ``sources.langfuse.export`` section) and end up
nowhere: not in the state, not in the warehouse, not in the output.
"""

import json
import socket

import pytest

from simulator.export import write_export
from tests.export.helpers import EXPORT_UNTIL, export_differences
from tests.sync.helpers import sync

moto_server = pytest.importorskip("moto.server", reason="moto[server] is a dev dependency")
pytest.importorskip("s3fs", reason="s3fs is the s3 extra")
boto3 = pytest.importorskip("boto3", reason="moto depends on it")

KEY, SECRET = "AKIAEXPORTTEST", "export-secret-never-stored"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def bucket(monkeypatch):
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "ENDPOINT_URL": endpoint,
                        "REGION_NAME": "us-east-1"}.items():
        monkeypatch.setenv(f"SOURCES__LANGFUSE__EXPORT__CREDENTIALS__{name}", value)
    options = {"key": KEY, "secret": SECRET, "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                 region_name="us-east-1").create_bucket(Bucket="langfuse-exports")
    yield options
    server.stop()


@pytest.mark.parametrize("file_format", ["parquet", "jsonl", "csv"])
def test_an_export_in_a_bucket_loads_like_a_local_one(sim, tmp_path, bucket, file_format, capsys):
    write_export(sim.ground_truth(), "s3://langfuse-exports/nightly/", project_id="proj-demo",
                 file_format=file_format, until=EXPORT_UNTIL, storage_options=bucket)

    report = sync(sim, tmp_path, from_export="s3://langfuse-exports/nightly/", reconcile_days=60)

    assert report.export_rows["observations"] > 0
    assert export_differences(tmp_path, sim.ground_truth(), file_format) == []
    stored = [p for p in (tmp_path / "dlt").rglob("*") if p.is_file()] + [tmp_path / "warehouse.duckdb"]
    for path in stored:
        assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in capsys.readouterr().out + json.dumps(report.export_rows)
