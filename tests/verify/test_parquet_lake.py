"""`verify` over a local Parquet lake: the filesystem destination appends, so each key counts once."""

from datetime import timedelta

import duckdb
import pytest

from pipelines.cli import main
from sources.langfuse.errors import ConfigurationError
from tests.sync.helpers import sync
from tests.verify.conftest import SYNCED, run_verify


def _parquet_rows(lake, table):
    return duckdb.sql(f"select count(*) from read_parquet('{lake}/langfuse/{table}/*.parquet')").fetchall()[0][0]


def test_a_lake_with_rows_loaded_twice_still_matches_langfuse(sim, tmp_path):
    lake = tmp_path / "lake"
    sync(sim, tmp_path, resources=SYNCED, destination="filesystem", database=str(lake))
    once = _parquet_rows(lake, "observations")
    # A look-back of 60 days re-reads everything: appended again, the lake holds each row twice.
    sync(sim, tmp_path, resources=SYNCED, destination="filesystem", database=str(lake), lookback=timedelta(days=60))
    assert _parquet_rows(lake, "observations") == 2 * once

    report = run_verify(sim, lake, destination="filesystem")
    assert report.ok, [g for p in report.projects for g in p.differences][:5]
    assert sum(g.warehouse["count"] for p in report.projects for g in p.groups if g.check == "observations") == once


def test_the_cli_verifies_a_lake_and_refuses_a_bucket_and_other_destinations(sim, tmp_path, monkeypatch, capsys):
    lake = tmp_path / "lake"
    sync(sim, tmp_path, resources=SYNCED, destination="filesystem", database=str(lake))
    monkeypatch.setenv("LANGFUSE_HOST", sim.base_url)
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", sim.public_key)
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", sim.secret_key)
    window = ["--since", "2026-10-19", "--until", "2026-11-17"]
    assert main(["verify", "--destination", "filesystem", "--database", str(lake), *window]) == 0
    assert capsys.readouterr().out.rstrip().endswith("Everything matches.")
    assert main(["verify", "--destination", "filesystem", "--database", "s3://bucket/lake", *window]) == 2
    assert "local Parquet lake" in capsys.readouterr().err
    assert main(["verify", "--destination", "bigquery", *window]) == 2
    assert "bigquery" in capsys.readouterr().err


def test_an_empty_lake_says_to_sync_first(sim, tmp_path):
    with pytest.raises(ConfigurationError, match="sync"):
        run_verify(sim, tmp_path / "nothing-here", destination="filesystem")
