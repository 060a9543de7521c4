"""`langfuse-warehouse sync --from-export` as a team runs it: the installed command, its own directory,
default flags; `status` then says what came from the export and up to when. Bad input: one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import orjson

from simulator.export import write_export
from tests.export.helpers import EXPORT_UNTIL

COMMAND = str(Path(sys.executable).with_name("langfuse-warehouse"))


def _run(sim, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(workdir / "home"), "DLT_DATA_DIR": str(workdir / "dlt-data"),
           "LANGFUSE_HOST": sim.base_url, "LANGFUSE_PUBLIC_KEY": sim.public_key,
           "LANGFUSE_SECRET_KEY": sim.secret_key}
    return subprocess.run([COMMAND, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=300)


def test_sync_from_an_export_then_status_shows_what_came_from_it(sim, tmp_path):
    written = write_export(sim.ground_truth(), str(tmp_path / "export"), project_id="proj-demo",
                           file_format="jsonl", until=EXPORT_UNTIL)
    synced = _run(sim, tmp_path, "sync", "--from-export", str(tmp_path / "export"))
    assert synced.returncode == 0, synced.stderr
    assert "rows from the blob-storage export" in synced.stdout

    status = _run(sim, tmp_path, "status")
    assert status.returncode == 0, status.stderr
    line = next(x for x in status.stdout.splitlines() if x.startswith("observations"))
    assert f"rows up to {written.manifests[-1]['maxTimestamp']}" in line


def test_an_export_folder_without_manifests_is_one_clear_error(sim, tmp_path):
    (tmp_path / "empty").mkdir()
    result = _run(sim, tmp_path, "sync", "--from-export", str(tmp_path / "empty"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no export manifests under" in result.stderr


def test_a_broken_manifest_is_named_and_nothing_is_loaded(sim, tmp_path):
    write_export(sim.ground_truth(), str(tmp_path / "export"), project_id="proj-demo", until=EXPORT_UNTIL)
    manifest = sorted((tmp_path / "export" / "proj-demo" / "manifests").iterdir())[-1]
    body = orjson.loads(manifest.read_bytes())
    body["version"] = 2
    manifest.write_bytes(orjson.dumps(body))
    result = _run(sim, tmp_path, "sync", "--from-export", str(tmp_path / "export"))
    assert result.returncode == 2
    assert manifest.name in result.stderr and "version 2" in result.stderr
    assert not (tmp_path / "warehouse.duckdb").exists() or "observations" not in _run(sim, tmp_path, "status").stdout


def test_an_export_of_another_project_is_refused(sim, tmp_path):
    write_export(sim.ground_truth(), str(tmp_path / "export"), project_id="proj-other", until=EXPORT_UNTIL)
    result = _run(sim, tmp_path, "sync", "--from-export", str(tmp_path / "export"))
    assert result.returncode == 2 and "proj-other" in result.stderr and "proj-demo" in result.stderr
