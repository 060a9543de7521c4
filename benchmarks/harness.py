"""What the benchmarks share: a simulator in its own process, and the CLI sync as a measured child process.

The simulator runs apart so that neither its CPU nor its memory is counted as the sync's; the sync runs as
the CLI would under cron, and its peak RSS comes from the kernel's own accounting of that one child
(``os.wait4``), not from sampling.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEYS = ("pk-lf-demo", "sk-lf-demo")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SimulatorProcess:
    """``python -m simulator serve`` on a free port; a context manager that stops it.

    It answers with Langfuse Cloud's latency (``--latency realistic``: ~800 ms for a full observations
    page) unless a benchmark says otherwise and why: a sync that looks fast against a server on the same
    machine can still reach a few percent of its plan against the real one.
    """

    def __init__(self, traces: int, plan: str | None = None, seed: int = 42, latency: str = "realistic"):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "simulator", "serve", "--port", str(self.port),
                   "--traces", str(traces), "--seed", str(seed), "--latency", latency]
        if plan:
            command += ["--plan", plan]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def __enter__(self) -> SimulatorProcess:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/api/public/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        self.process.kill()
        raise RuntimeError("the simulator did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait()

    def stats(self) -> dict:
        return httpx.get(f"{self.base_url}/_sim/stats", auth=KEYS, timeout=30).json()

    def control(self, path: str, body: dict) -> dict:
        """POST ``/_sim/{path}`` (e.g. "latency", "rate-limit", "stats/reset"); the answer's JSON."""
        response = httpx.post(f"{self.base_url}/_sim/{path}", json=body, auth=KEYS, timeout=30)
        response.raise_for_status()
        return response.json()

    def observations_served(self) -> int:
        return sum(n for route, n in self.stats()["rowsServed"].items() if "observations" in route)


@dataclass
class ChildRun:
    seconds: float
    peak_rss_mb: float
    output: str
    command: list[str]

    @property
    def requests(self) -> int:
        """From the summary line "... (N load(s), R requests, T retried)."."""
        words = self.output.replace(",", " ").split()
        return next((int(w) for w, nxt in zip(words, words[1:], strict=False) if nxt == "requests"), 0)

    @property
    def retried(self) -> int:
        words = self.output.replace(",", " ").replace(").", " ").split()
        return next((int(w) for w, nxt in zip(words, words[1:], strict=False) if nxt == "retried"), 0)


SYNC_MODULE = "pipelines.cli"


def sync_command(workdir: Path, *extra: str, resources: str = "observations") -> list[str]:
    return [sys.executable, "-m", SYNC_MODULE, "sync", "--api", "v4", "--resources", resources,
            "--settle-delay", "0s", "--database", str(workdir / "warehouse.duckdb"),
            "--pipelines-dir", str(workdir / "dlt"), *extra]


def run_child(command: list[str], base_url: str) -> ChildRun:
    """Run the sync to completion; wall time from fork to exit, peak RSS of that process alone."""
    env = {**os.environ, "LANGFUSE_HOST": base_url, "LANGFUSE_PUBLIC_KEY": KEYS[0], "LANGFUSE_SECRET_KEY": KEYS[1]}
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as process:
        started = time.perf_counter()
        output = process.stdout.read() if process.stdout else ""
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"sync failed (exit {process.returncode}):\n{output}")
    return ChildRun(seconds, usage.ru_maxrss / 1024, output, command)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        import psutil

        memory = f", {psutil.virtual_memory().total / 2**30:.0f} GB RAM"
    except ImportError:
        memory = ""
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}, {platform.system()}"


def shown(command: list[str]) -> str:
    """A command as a reader would type it from the repository root."""
    return " ".join(".venv/bin/python" if part == sys.executable else part for part in command)
