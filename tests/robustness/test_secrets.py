"""The secret key never leaves the process: not in logs, progress output, exceptions, dlt's state and
trace files, the DuckDB warehouse or the Parquet files, for runs that succeed and runs that fail."""

import base64
import logging
import traceback

import pytest

from pipelines import cli
from simulator import Simulator
from simulator.faults import FaultPlan
from sources.langfuse import LangfuseProject
from tests.robustness.support import GIVE_UP_FAST
from tests.sync.helpers import sync

SECRET = "sk-lf-SENTINEL-5ec4e7-do-not-log"
PUBLIC = "pk-lf-SENTINEL-9b1d2f"


def _needles() -> dict[str, bytes]:
    """The secret as text, as UTF-16 (some binary formats), and inside the Basic auth header."""
    return {
        "secret": SECRET.encode(),
        "secret (utf-16)": SECRET.encode("utf-16-le"),
        "authorization header": base64.b64encode(f"{PUBLIC}:{SECRET}".encode()),
    }


@pytest.fixture()
def sentinel_sim():
    with Simulator(seed=5, traces=40, public_key=PUBLIC, secret_key=SECRET).start() as simulator:
        yield simulator


def _leaks(blob: bytes) -> list[str]:
    return [name for name, needle in _needles().items() if needle in blob]


def test_the_secret_key_appears_in_nothing_a_sync_produces(sentinel_sim, tmp_path, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, httpx and dlt included, at its most talkative
    errors: list[str] = []

    def failing(run) -> None:
        with pytest.raises(Exception) as failure:
            run()
        errors.append("".join(traceback.format_exception(failure.value)) + repr(failure.value))

    sync(sentinel_sim, tmp_path)
    sync(sentinel_sim, tmp_path / "lake", destination="filesystem", database=str(tmp_path / "lake" / "parquet"))
    # A wrong secret: a 401. The wrong one shares the real one's prefix, which must not leak either.
    wrong_secret = LangfuseProject(sentinel_sim.base_url, PUBLIC, SECRET + "x")
    failing(lambda: sync(sentinel_sim, tmp_path, projects=[wrong_secret]))
    # Retries exhausted in the middle of a resource.
    sentinel_sim.faults = FaultPlan().script("500", count=1_000, path="/api/public/v3/scores")
    partial = sync(sentinel_sim, tmp_path, retry=GIVE_UP_FAST)
    errors.extend(repr(failure) + failure.cause for failure in partial.failures)
    sentinel_sim.faults = None
    # The command line, verbose, with the keys from the environment.
    monkeypatch.setenv("LANGFUSE_HOST", sentinel_sim.base_url)
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", PUBLIC)
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", SECRET)
    cli_args = ["--database", str(tmp_path / "cli.duckdb"), "--pipelines-dir", str(tmp_path / "dlt-cli")]
    assert cli.main(["-v", "sync", *cli_args, "--settle-delay", "0s"]) == 0
    assert cli.main(["-v", "status", *cli_args]) == 0
    sentinel_sim.faults = FaultPlan().script("html_502", count=1_000)
    monkeypatch.setattr("sources.langfuse.http.RetryPolicy.backoff", lambda self, attempt: 0.0)
    assert cli.main(["-v", "sync", *cli_args, "--settle-delay", "0s"]) == 2

    produced = sorted(path for path in tmp_path.rglob("*") if path.is_file())
    assert any(p.suffix == ".duckdb" for p in produced) and any(p.suffix == ".parquet" for p in produced)
    assert any("trace" in p.name for p in produced), "dlt's trace files should be among the files searched"
    leaks = {str(p.relative_to(tmp_path)): found for p in produced if (found := _leaks(p.read_bytes()))}
    output = capsys.readouterr()
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    for where, text in {"stdout": output.out, "stderr": output.err, "log": logged, "errors": "\n".join(errors)}.items():
        if found := _leaks(text.encode()) + _leaks(text.encode("utf-16-le")):
            leaks[where] = found
    assert len(caplog.records) > 100 and len(errors) == 2 and "error:" in output.err
    assert leaks == {}


def test_a_project_shows_its_secret_nowhere_in_its_repr():
    project = LangfuseProject("https://cloud.langfuse.com", PUBLIC, SECRET)
    assert SECRET not in repr(project) and SECRET not in str(project) and PUBLIC in repr(project)
