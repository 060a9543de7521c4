"""Bad command-line input gets exit code 2 and one line on stderr naming the problem, never a traceback."""

import socket

import pytest

from pipelines import cli
from sources.langfuse.http import RetryPolicy

CREDENTIAL_VARIABLES = ("LANGFUSE_HOST", "LANGFUSE_BASE_URL", "LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY",
                        "SOURCES__LANGFUSE__HOST", "SOURCES__LANGFUSE__PUBLIC_KEY", "SOURCES__LANGFUSE__SECRET_KEY")


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    """An empty directory (no .dlt/secrets.toml) and no credentials in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _sync_args(workdir, *extra):
    return ["sync", "--database", str(workdir / "warehouse.duckdb"), "--pipelines-dir", str(workdir / "dlt"),
            "--settle-delay", "0s", *extra]


def _credentials(monkeypatch, host, public_key="pk-lf-demo", secret_key="sk-lf-demo"):
    monkeypatch.setenv("LANGFUSE_HOST", host)
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", public_key)
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", secret_key)


def _fails_with_one_line(capsys, argv, *mentions):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for mention in mentions:
        assert mention in err, err


@pytest.mark.parametrize("extra, mentions", [
    (["--resources", "observations,obsevations"], ["unknown resource(s): obsevations", "choose from"]),
    (["--since", "yesterday"], ["--since", "'yesterday' is not a date"]),
    (["--until", "2026-13-45"], ["--until", "'2026-13-45' is not a date"]),
    (["--since", "2026-11-02", "--until", "2026-11-01"], ["--since must be before --until"]),
    (["--lookback", "10x"], ["--lookback", "'10x' is not a duration"]),
    (["--chunk-rows", "lots"], ["--chunk-rows", "invalid int value"]),
    (["--api", "v5"], ["--api", "invalid choice"]),
    (["--destination", "duckbd"], ["unknown destination 'duckbd'"]),
    (["--bogus-flag"], ["unrecognized arguments: --bogus-flag"]),
], ids=lambda v: v[0] if isinstance(v, list) and v and v[0].startswith("--") else None)
def test_bad_arguments_fail_in_one_line(workdir, monkeypatch, capsys, extra, mentions):
    _credentials(monkeypatch, "https://cloud.langfuse.com")  # never reached: input is checked first
    _fails_with_one_line(capsys, _sync_args(workdir, *extra), *mentions)


def test_an_unknown_command_fails_in_one_line(workdir, capsys):
    _fails_with_one_line(capsys, ["synk"], "invalid choice: 'synk'")


def test_missing_credentials_name_the_variables_to_set(workdir, capsys):
    _fails_with_one_line(capsys, _sync_args(workdir), "no Langfuse credentials", "LANGFUSE_SECRET_KEY")


def test_a_missing_projects_file_is_named(workdir, capsys):
    _fails_with_one_line(capsys, _sync_args(workdir, "--projects-file", "nope.toml"), "nope.toml: no such file")


def test_credentials_from_dlt_environment_variables_are_found(workdir, monkeypatch):
    from pipelines.config import resolve_projects

    monkeypatch.setenv("SOURCES__LANGFUSE__HOST", "https://langfuse.example.com")
    monkeypatch.setenv("SOURCES__LANGFUSE__PUBLIC_KEY", "pk-lf-env")
    monkeypatch.setenv("SOURCES__LANGFUSE__SECRET_KEY", "sk-lf-env")
    [project] = resolve_projects()
    assert (project.host, project.public_key, project.secret_key) == (
        "https://langfuse.example.com", "pk-lf-env", "sk-lf-env")


def test_an_unreachable_host_fails_in_one_line_naming_the_url_and_cause(workdir, monkeypatch, capsys):
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt: 0.0)  # no production backoff in a test
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _credentials(monkeypatch, f"http://127.0.0.1:{port}")
    _fails_with_one_line(capsys, _sync_args(workdir), f"http://127.0.0.1:{port}/api/public/projects",
                         "Connection refused")


def test_wrong_keys_fail_in_one_line_naming_the_host(workdir, monkeypatch, capsys):
    from simulator import Simulator

    with Simulator(seed=1, traces=5).start() as sim:
        _credentials(monkeypatch, sim.base_url, sim.public_key, "sk-lf-wrong")
        _fails_with_one_line(capsys, _sync_args(workdir), sim.base_url, "refused the API keys")


# --- plain http ------------------------------------------------------------------------------------


def test_plain_http_to_another_host_is_refused_before_any_request(workdir, monkeypatch, capsys):
    _credentials(monkeypatch, "http://langfuse.internal.example:3000")
    monkeypatch.setattr(cli, "run_sync", lambda options: pytest.fail("a request was attempted"))
    _fails_with_one_line(capsys, _sync_args(workdir), "refusing to send API keys over plain http",
                         "langfuse.internal.example", "--allow-insecure-http")


def test_plain_http_to_another_host_is_allowed_when_the_user_opts_in(workdir, monkeypatch):
    _credentials(monkeypatch, "http://langfuse.internal.example:3000")
    attempted = []
    monkeypatch.setattr(cli, "run_sync", lambda options: attempted.append(options) or pytest.skip("reached"))
    with pytest.raises(pytest.skip.Exception):
        cli.main(_sync_args(workdir, "--allow-insecure-http"))
    [options] = attempted
    assert options.projects[0].host == "http://langfuse.internal.example:3000"


@pytest.mark.parametrize("host", ["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000",
                                  "https://langfuse.example.com"])
def test_loopback_and_https_need_no_opt_in(host):
    from pipelines.config import check_transport

    check_transport(host, allow_insecure=False)


def test_a_host_that_is_not_an_http_url_is_refused(workdir, monkeypatch, capsys):
    _credentials(monkeypatch, "langfuse.example.com")
    _fails_with_one_line(capsys, _sync_args(workdir), "'langfuse.example.com' is not an http(s) URL")


def test_known_resources_and_full_refresh_names_pass_validation(workdir, monkeypatch):
    _credentials(monkeypatch, "https://langfuse.example.com")
    attempted = []
    monkeypatch.setattr(cli, "run_sync", lambda options: attempted.append(options) or pytest.skip("reached"))
    with pytest.raises(pytest.skip.Exception):
        cli.main(_sync_args(workdir, "--resources", "observations,scores", "--full-refresh", "scores"))
    [options] = attempted
    assert (list(options.resources), list(options.full_refresh)) == (["observations", "scores"], ["scores"])


def test_the_console_command_exits_with_mains_code_and_never_loads_pandas(tmp_path):
    import subprocess
    import sys

    probe = (
        "import sys, pipelines.cli as cli\n"
        "real_exit = cli.os._exit\n"
        "def exit_(code):\n"
        "    import pyarrow\n"
        "    pyarrow.array(['a Python value'])  # what made pyarrow import pandas\n"
        "    print('pandas loaded' if 'pandas' in sys.modules else 'no pandas', flush=True)\n"
        "    real_exit(code)\n"
        "cli.os._exit = exit_\n"
        "sys.argv = ['langfuse-warehouse', 'sync', '--resources', 'no_such_table', '--api', 'v4']\n"
        "cli.run()\n"
    )
    env = {"PATH": "/usr/bin:/bin", "LANGFUSE_HOST": "http://127.0.0.1:9", "LANGFUSE_PUBLIC_KEY": "pk-lf-x",
           "LANGFUSE_SECRET_KEY": "sk-lf-x"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert "no_such_table" in done.stderr
    assert done.stdout.strip() == "no pandas"
