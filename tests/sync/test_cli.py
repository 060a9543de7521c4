"""The CLI a data team runs nightly: sync, then status, then marts."""

from pipelines.cli import main


def _env(monkeypatch, sim):
    monkeypatch.setenv("LANGFUSE_HOST", sim.base_url)
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", sim.public_key)
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", sim.secret_key)


def test_sync_status_and_marts_from_the_command_line(sim, tmp_path, monkeypatch, capsys):
    _env(monkeypatch, sim)
    target = ["--database", str(tmp_path / "w.duckdb"), "--pipelines-dir", str(tmp_path / "dlt")]
    assert main(["sync", *target, "--settle-delay", "0s"]) == 0
    first = capsys.readouterr().out
    assert "over the v4 API" in first and "observations" in first and "rows loaded" in first

    assert main(["sync", *target, "--settle-delay", "0s"]) == 0
    assert "Nothing new" in capsys.readouterr().out

    assert main(["status", *target]) == 0
    status = capsys.readouterr().out
    observations_line = next(line for line in status.splitlines() if line.startswith("observations"))
    assert "proj-demo" in observations_line and observations_line.rstrip().endswith("ok")

    assert main(["marts", "--database", str(tmp_path / "w.duckdb")]) == 0
    assert "mart_experiment_comparison" in capsys.readouterr().out


def test_status_before_any_sync_says_so(tmp_path, capsys):
    assert main(["status", "--database", str(tmp_path / "w.duckdb"), "--pipelines-dir", str(tmp_path / "dlt")]) == 0
    assert "No sync has run" in capsys.readouterr().out
