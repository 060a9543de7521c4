"""Run dbt in this process (dbtRunner) on the project in sql/, with a profile written for the run.

Every assumption about dbt's Python API lives here: dbtRunner and its callbacks, the event names our
macros log under, the shape of run results and dbt-duckdb's process-wide database (tests/transforms/test_build.py
and test_dbt_project.py exercise each).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from transforms.warehouse import Profile

PROJECT_NAME = "langfuse_warehouse"


def _project_dir() -> Path:
    """sql/ beside the package in a checkout (editable install); transforms/sql/ if packaged inside it."""
    package_dir = Path(__file__).resolve().parent
    bundled = package_dir / "sql"
    return bundled if bundled.is_dir() else package_dir.parent / "sql"


PROJECT_DIR = _project_dir()


def state_dir() -> Path:
    """Where dbt keeps its target/ (compiled SQL, partial-parse cache, run results) and logs.

    Not inside the project: an installed package's folder may be read-only, and two warehouses built
    from one checkout must not share a partial-parse cache.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "langfuse-warehouse" / "dbt"


@dataclass
class Invocation:
    """What one dbt command returned, and the messages our macros logged while it ran."""

    success: bool
    result: Any
    exception: BaseException | None
    logged: dict[str, Any] = field(default_factory=dict)


# Our macros log `langfuse_warehouse.<key>=<json>`; the runner reads them back from dbt's events.
_LOG_PREFIX = PROJECT_NAME + "."
ERRORS = "errors"  # messages of the events dbt logged at level error (why a command failed)


def _collect(logged: dict[str, Any]):
    def on_event(event: Any) -> None:
        if event.info.level == "error":
            logged.setdefault(ERRORS, []).append(event.info.msg)
        if event.info.name not in ("JinjaLogDebug", "JinjaLogInfo"):
            return
        message = event.data.msg
        if message.startswith(_LOG_PREFIX) and "=" in message:
            key, _, value = message[len(_LOG_PREFIX):].partition("=")
            logged[key] = json.loads(value)

    return on_event


# Extra callbacks for every dbt event, e.g. a live display of the models being built (``listening``).
_listeners: list[Callable[[Any], None]] = []


@contextmanager
def listening(callback: Callable[[Any], None]) -> Iterator[None]:
    _listeners.append(callback)
    try:
        yield
    finally:
        _listeners.remove(callback)


def node_event(event: Any) -> tuple[str, str, str] | None:
    """("start" or "finish", node unique id, status) for dbt's NodeStart/NodeFinished events, else None."""
    phase = {"NodeStart": "start", "NodeFinished": "finish"}.get(event.info.name)
    if phase is None:
        return None
    node = event.data.node_info
    return phase, node.unique_id, node.node_status


class Dbt:
    """dbt commands against one warehouse; the project is parsed once and the manifest reused."""

    def __init__(self, profile: Profile, variables: dict[str, Any], *, verbose: bool = False,
                 work_dir: Path | None = None):
        self.profile = profile
        self.variables = variables
        self.verbose = verbose
        target = json.dumps(profile.target, sort_keys=True).encode()
        key = f"{profile.adapter}-{hashlib.sha256(target).hexdigest()[:12]}"
        self.work_dir = work_dir or state_dir() / key
        self._manifest: Any = None
        self._profiles_dir: str | None = None

    def _common_args(self) -> list[str]:
        assert self._profiles_dir is not None
        return [
            "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", self._profiles_dir,
            "--target-path", str(self.work_dir / "target"),
            "--log-path", str(self.work_dir / "logs"),
            "--vars", json.dumps(self.variables),
        ]

    def _global_args(self) -> list[str]:
        # Usage statistics would be sent to dbt Labs from a nightly job: off. dbt prints its own progress;
        # `marts` prints a table of its own instead (-v shows dbt's too).
        quiet = [] if self.verbose else ["--log-level", "none"]
        return ["--no-send-anonymous-usage-stats", "--no-use-colors", *quiet]

    @contextmanager
    def session(self) -> Iterator[Dbt]:
        """A profiles.yml with no secret in it, and the secrets in the environment, for the session."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        profiles = {PROJECT_NAME: {"target": "marts", "outputs": {"marts": self.profile.target}}}
        saved = {name: os.environ.get(name) for name in self.profile.env}
        with tempfile.TemporaryDirectory(prefix="langfuse-warehouse-profile-") as profiles_dir:
            (Path(profiles_dir) / "profiles.yml").write_text(yaml.safe_dump(profiles))
            os.environ.update(self.profile.env)
            self._profiles_dir = profiles_dir
            try:
                yield self
            finally:
                release_adapters()
                release_duckdb()
                self._profiles_dir = None
                self._manifest = None
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value

    def invoke(self, command: str, *args: str) -> Invocation:
        from dbt.cli.main import dbtRunner

        logged: dict[str, Any] = {}
        if self._manifest is None and command != "parse":
            parsed = self.invoke("parse")
            if not parsed.success:
                return parsed
        runner = dbtRunner(manifest=self._manifest, callbacks=[_collect(logged), *_listeners])
        # No command writes target/manifest.json: serializing the 1.5 MB manifest took ~1 s after a build's
        # last node, and nothing reads it (the next parse reuses partial_parse.msgpack, written either way).
        outcome = runner.invoke([*self._global_args(), command, *self._common_args(), "--no-write-json", *args])
        if command == "parse" and outcome.success:
            self._manifest = outcome.result
        if command == "build" and hasattr(outcome.result, "write"):
            # dbt's record of the run (each node's status and timings), as a build with write-json leaves it.
            outcome.result.write(str(self.run_results_path))
        return Invocation(outcome.success, outcome.result, outcome.exception, logged)

    @property
    def run_results_path(self) -> Path:
        return self.work_dir / "target" / "run_results.json"

    @property
    def manifest(self) -> Any:
        if self._manifest is None:
            parsed = self.invoke("parse")
            if not parsed.success:
                raise RuntimeError(f"dbt could not parse {PROJECT_DIR}: {parsed.exception}")
        return self._manifest


def release_adapters() -> None:
    """Drop the adapters dbt registered for the run, and with them their connection locks.

    Each is a multiprocessing lock backed by a named semaphore that Python's resource tracker watches.
    The CLI ends with ``os._exit`` (no interpreter teardown), so locks still referenced then are
    reported as "leaked semaphore objects" on every run; collected here, they are unlinked at once.
    """
    try:
        from dbt.adapters.factory import reset_adapters
    except ImportError:
        return
    reset_adapters()


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open for the process after a run.

    dbt-duckdb holds one database instance per process in DuckDBConnectionManager._ENV and does not
    close it when a command ends: in a long-lived process (the demo, a scheduler, tests) the file would
    stay locked for other processes, and opening it again here with other settings (read-only) fails.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return
    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if environment is not None:
            environment.close()
    gc.collect()  # cursors dbt still references keep the database instance alive until collected


def models_reading(manifest: Any, source_names: Sequence[str]) -> dict[str, set[str]]:
    """For each model of ours: the given raw tables (sources) it reads, directly or through other models."""
    reads: dict[str, set[str]] = {}

    def visit(unique_id: str) -> set[str]:
        if unique_id in reads:
            return reads[unique_id]
        node = manifest.nodes[unique_id]
        found: set[str] = set()
        for upstream in node.depends_on.nodes:
            if upstream.startswith("source."):
                source = manifest.sources[upstream]
                if source.package_name == PROJECT_NAME and source.name in source_names:
                    found.add(source.name)
            elif upstream in manifest.nodes:
                found |= visit(upstream)
        reads[unique_id] = found
        return found

    return {
        node.name: visit(unique_id)
        for unique_id, node in manifest.nodes.items()
        if node.resource_type == "model" and node.package_name == PROJECT_NAME
    }


def raw_table_names(manifest: Any) -> list[str]:
    return sorted(s.name for s in manifest.sources.values() if s.package_name == PROJECT_NAME)
