"""A real PostgreSQL server for the tests (pytest plugin, loaded by tests/conftest.py).

Debian's `postgresql` package (installed by `make test` / .ci/run when missing) provides the server
binaries under /usr/lib/postgresql/<version>/bin. The `postgres_server` fixture runs initdb and
pg_ctl in a temporary directory on a free port, as the unprivileged `postgres` user when the suite
runs as root (PostgreSQL refuses to run as root), with password authentication so the tests exercise
credentials the way a real warehouse needs them; it is stopped at the end of the session.
`postgres_database` hands each test a fresh database on that server.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

USER = "langfuse_test"
PASSWORD = "not-a-real-secret-4d1f"


def server_binaries() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb, pg_ctl and postgres."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    for bin_dir in reversed(candidates):
        if all((bin_dir / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return bin_dir
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresDatabase:
    host: str
    port: int
    user: str
    password: str
    database: str

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"

    def connect(self):
        import psycopg2

        return psycopg2.connect(host=self.host, port=self.port, user=self.user, password=self.password,
                                dbname=self.database)

    def dlt_environment(self) -> dict[str, str]:
        """The variables that make `--destination postgres` (dlt, and so the marts) use this database."""
        return {"DESTINATION__POSTGRES__CREDENTIALS": self.url}


class PostgresServer:
    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="langfuse-pg-"))
        self.data_dir = self.root / "data"
        self._databases = itertools.count(1)
        # PostgreSQL will not run as root: hand the directory to the `postgres` user and run as it.
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str, check: bool = True) -> None:
        subprocess.run([*self._as_user, *command], check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> PostgresServer:
        password_file = self.root / "password"
        password_file.write_text(PASSWORD)
        if self._as_user:
            shutil.chown(password_file, "postgres", "postgres")
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "-U", USER, f"--pwfile={password_file}",
                  "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C")
        self.resume()
        return self

    def halt(self, check: bool = True) -> None:
        """Stop the server the way an outage does: at once, open sessions cut (the data directory stays)."""
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "-w", "stop", check=check)

    def resume(self) -> None:
        """Start the server (again) on its port, with its data."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-o", options,
                  "-l", str(self.root / "server.log"), "-w", "start")

    def stop(self) -> None:
        try:
            self.halt(check=False)  # a test may have halted it already
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def database(self, name: str = "postgres") -> PostgresDatabase:
        return PostgresDatabase("127.0.0.1", self.port, USER, PASSWORD, name)

    def create_database(self) -> PostgresDatabase:
        name = f"test_{next(self._databases)}"
        admin = self.database().connect()
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'create database "{name}"')
        admin.close()
        return self.database(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = server_binaries()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                    "(`apt-get install postgresql`; `make test` installs it when it can)")
    server = PostgresServer(bin_dir).start()
    yield server
    server.stop()


@pytest.fixture
def postgres_database(postgres_server: PostgresServer, monkeypatch) -> PostgresDatabase:
    """A fresh, empty database; dlt's postgres destination (and so `marts --destination postgres`) points at it."""
    database = postgres_server.create_database()
    for name, value in database.dlt_environment().items():
        monkeypatch.setenv(name, value)
    return database
