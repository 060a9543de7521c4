"""`langfuse-warehouse verify`: a readable table, and an exit code scripts can act on."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.cli import main

WHOLE_RANGE = ["--since", "2026-10-19", "--until", "2026-11-17"]


@pytest.fixture()
def credentials(synced, monkeypatch):
    monkeypatch.setenv("LANGFUSE_HOST", synced.sim.base_url)
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", synced.sim.public_key)
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", synced.sim.secret_key)


def test_a_matching_warehouse_prints_a_summary_and_exits_0(synced, credentials, capsys):
    assert main(["verify", "--database", str(synced.database), *WHOLE_RANGE]) == 0
    out = capsys.readouterr().out
    assert "observations per day and model" in out and "scores per day and name" in out
    assert "not verified:" in out and "TEXT" in out
    assert out.rstrip().endswith("Everything matches.")


def test_differences_are_listed_by_day_model_and_measure_and_exit_1(synced, credentials, tmp_path, capsys):
    database = synced.copy_to(tmp_path)
    with duckdb.connect(str(database)) as con:
        day, model = con.execute("""
            delete from langfuse.observations where id = (
                select id from langfuse.observations where model = 'gpt-4o' order by start_time limit 1)
            returning strftime(start_time at time zone 'UTC', '%Y-%m-%d'), model""").fetchone()

    assert main(["verify", "--database", str(database), *WHOLE_RANGE]) == 1
    lines = capsys.readouterr().out.splitlines()
    count_line = next(line for line in lines if f"{day}  {model}" in line and " count " in line)
    assert count_line.split()[0] == "observations" and count_line.rstrip().endswith("differs")
    assert lines[-1] == "1 group(s) differ."


def test_a_missing_warehouse_is_an_error_exit_2(credentials, tmp_path, capsys):
    assert main(["verify", "--database", str(tmp_path / "none.duckdb"), *WHOLE_RANGE]) == 2
    assert "error:" in capsys.readouterr().err


def test_an_empty_window_is_a_usage_error(credentials, tmp_path, capsys):
    backwards = ["--since", "2026-11-02", "--until", "2026-11-01"]
    assert main(["verify", "--database", str(tmp_path / "w.duckdb"), *backwards]) == 2
    assert "--since must be before --until" in capsys.readouterr().err
