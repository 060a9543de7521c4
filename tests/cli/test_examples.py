"""The scheduling recipes in examples/ and the README's commands are real invocations of the CLI."""

from __future__ import annotations

import ast
import json
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from pipelines.cli import build_parser
from simulator import Simulator

from .conftest import command

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
INVOCATION = re.compile(r"(?:\S*/)?langfuse-warehouse((?: [^;&|}>#\n]+)?)")


def _invocations(text: str) -> list[list[str]]:
    return [shlex.split(match.group(1)) for match in INVOCATION.finditer(text) if match.group(1).strip()]


def _parses(argv: list[str]) -> None:
    build_parser().parse_args(argv)  # raises UsageError on anything the CLI would refuse


def _workflow() -> dict:
    return yaml.safe_load((EXAMPLES / "github-actions-nightly.yml").read_text())


def _workflow_commands() -> list[list[str]]:
    steps = _workflow()["jobs"]["sync"]["steps"]
    return [argv for step in steps if "run" in step for argv in _invocations(step["run"])]


def test_the_github_actions_workflow_parses_runs_nightly_and_calls_the_cli():
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"][0]["cron"] == "17 3 * * *"
    commands = _workflow_commands()
    assert [argv[0] for argv in commands] == ["sync", "marts", "report", "status"]
    for argv in commands:
        _parses(argv)


def test_the_crontab_lines_are_cron_schedules_of_real_commands():
    lines = [line for line in (EXAMPLES / "crontab").read_text().splitlines() if line and not line.startswith("#")]
    assert len(lines) == 2
    for line in lines:
        minute, hour, *_ = line.split()[:5]
        assert (minute, hour) == ("17", "3")
        commands = _invocations(line)
        assert [argv[0] for argv in commands] == ["sync", "marts", "report"]
        for argv in commands:
            _parses(argv)


@pytest.mark.parametrize("name", ["airflow_dag.py", "dagster_job.py"])
def test_the_orchestrator_examples_compile_and_run_real_commands(name):
    source = (EXAMPLES / name).read_text()
    tree = ast.parse(source)
    commands = next(ast.literal_eval(node.value) for node in tree.body
                    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COMMANDS")
    for argv in commands.values():
        _parses(argv)


def test_every_cli_command_the_readme_shows_is_accepted_by_the_cli():
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    commands = [argv for block in blocks for line in block.splitlines()
                if re.match(r"\s*(\.venv/bin/)?langfuse-warehouse ", line)
                for argv in _invocations(line.split(" #")[0])]
    assert {argv[0] for argv in commands} >= {"sync", "marts", "report", "status"}
    for argv in commands:
        _parses(argv)


@pytest.fixture(scope="module")
def sim():
    with Simulator(seed=3, traces=80).start() as server:
        yield server


def test_the_example_secrets_file_configures_a_sync(sim, user_env, workdir):
    example = (EXAMPLES / "secrets.toml").read_text()
    assert tomllib.loads(example)["sources"]["langfuse"]["host"] == "https://cloud.langfuse.com"
    mine = (example.replace('host = "https://cloud.langfuse.com"', f'host = "{sim.base_url}"', 1)
            .replace('"pk-lf-..."', f'"{sim.public_key}"', 1).replace('"sk-lf-..."', f'"{sim.secret_key}"', 1))
    (workdir / ".dlt").mkdir()
    (workdir / ".dlt" / "secrets.toml").write_text(mine)
    run = subprocess.run([command(), "sync", "--settle-delay", "0s", "--quiet"], cwd=workdir, env=user_env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Synced 1 project(s)")
    assert sim.secret_key not in run.stdout + run.stderr


def test_the_workflow_commands_run_in_order_against_a_langfuse(sim, user_env, workdir):
    env = {**user_env, "LANGFUSE_HOST": sim.base_url, "LANGFUSE_PUBLIC_KEY": sim.public_key,
           "LANGFUSE_SECRET_KEY": sim.secret_key}
    for argv in _workflow_commands():
        if argv[0] == "sync":
            argv = [*argv, "--settle-delay", "0s"]  # the simulator's data is complete at once
        run = subprocess.run([command(), *argv], cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, f"{argv}: {run.stdout}\n{run.stderr}"
    assert (workdir / "report.html").stat().st_size > 1_000_000
    assert sorted(p.name for p in (workdir / "marts-parquet").iterdir())
    assert json.loads(run.stdout)["projects"]["proj-demo"]["pending"] is False  # status --json came last
