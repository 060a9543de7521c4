"""A local Langfuse API simulator: a real HTTP server over deterministic synthetic data.

    with Simulator(seed=42, traces=200) as sim:
        httpx.get(f"{sim.base_url}/api/public/v2/observations", auth=sim.auth)

It is the ground truth for the tests, the demo and the benchmarks: ``api="v4"`` speaks Langfuse Cloud's
current surface, ``api="legacy"`` a self-hosted v3 deployment.
"""

from __future__ import annotations

from typing import Any

from simulator.control import (
    add_scores,
    add_traces,
    delete_trace,
    ground_truth,
    set_unkindness,
    settle,
    update_observation,
    update_score,
)
from simulator.faults import FaultPlan
from simulator.latency import Latency
from simulator.store import Store
from simulator.unkind import Unkindness

__all__ = ["Simulator", "Store", "FaultPlan", "Unkindness", "Latency"]


def _generated_store(seed: int, traces: int) -> Store:
    from simulator.generator import generate

    return generate(seed=seed, traces=traces)


class Simulator:
    """The simulator server, in-process: start it, point a client at ``base_url``, stop it."""

    def __init__(
        self,
        seed: int = 42,
        traces: int = 200,
        api: str = "v4",
        public_key: str = "pk-lf-demo",
        secret_key: str = "sk-lf-demo",
        host: str = "127.0.0.1",
        port: int = 0,
        store: Store | None = None,
        plan: str | None = None,
        unkind: Unkindness | dict[str, Any] | None = None,
        latency: Latency | str | dict[str, Any] | None = None,
    ):
        """``unkind``: switches of ``simulator.unkind.Unkindness`` (all on by default, like Langfuse),
        e.g. ``{"ingestion_lag_seconds": 0}``, or ``Unkindness.kind()`` for none of them.
        ``latency``: how long answers take (``simulator.latency``): off by default, so tests stay fast;
        ``"realistic"`` for Langfuse Cloud's (~800 ms a full observations page), or a ``Latency``."""
        from simulator.server import ServerState

        self.seed, self.traces, self.host, self.port = seed, traces, host, port
        self._state = ServerState(
            store=store if store is not None else _generated_store(seed, traces),
            profile=api,
            public_key=public_key,
            secret_key=secret_key,
            seed=seed,
            unkind=Unkindness.of(unkind),
        )
        self._state.limiter.set_plan(plan)
        self._state.latency.set(latency)
        self._server = None
        self._thread = None

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Simulator:
        from simulator.server import start_server

        if self._server is None:
            self._server, self._thread = start_server(self._state, self.host, self.port)
            self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- what clients need --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not running: call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def public_key(self) -> str:
        return self._state.public_key

    @property
    def secret_key(self) -> str:
        return self._state.secret_key

    @property
    def auth(self) -> tuple[str, str]:
        """HTTP Basic credentials, e.g. ``httpx.Client(auth=sim.auth)``."""
        return (self._state.public_key, self._state.secret_key)

    @property
    def api(self) -> str:
        return self._state.profile

    @property
    def store(self) -> Store:
        return self._state.store

    # --- faults, rate limits, stats -----------------------------------------------------------

    @property
    def faults(self) -> FaultPlan:
        return self._state.faults

    @faults.setter
    def faults(self, plan: FaultPlan | None) -> None:
        self._state.faults = plan if plan is not None else FaultPlan()

    def set_plan(self, name: str | None) -> None:
        """Cloud rate limits of plan ``name`` ("hobby", "core", "pro"); None switches them off."""
        self._state.limiter.set_plan(name)

    def set_max_rpm(self, max_rpm: int | None) -> None:
        """One flat budget of ``max_rpm`` requests per minute; None switches it off."""
        self._state.limiter.set_max_rpm(max_rpm)

    @property
    def latency(self) -> Latency:
        return self._state.latency.latency

    def set_latency(self, latency: Latency | str | dict[str, Any] | None) -> Latency:
        """Change how long answers take on a running simulator: a preset ("off", "realistic"), a
        ``Latency``, or a ``/_sim/latency`` body such as ``{"baseMs": 50}``."""
        return self._state.latency.set(latency)

    @property
    def stats(self) -> dict[str, Any]:
        return self._state.stats.snapshot()

    def reset_stats(self) -> None:
        self._state.stats.reset()

    # --- control operations (as POST /_sim/...) -----------------------------------------------

    def add_traces(
        self, n: int, *, at: Any = None, same_start_time: bool = False, seed: int | None = None
    ) -> list[str]:
        return add_traces(self._state, n, at, same_start_time, seed)

    def update_observation(self, trace_id: str, observation_id: str, **changes: Any) -> dict:
        return update_observation(self._state, trace_id, observation_id, **changes)

    def delete_trace(self, trace_id: str) -> int:
        return delete_trace(self._state, trace_id)

    def add_scores(self, n: int, *, at: Any = None) -> Any:
        return add_scores(self._state, n, at)

    def update_score(self, score_id: str, **changes: Any) -> Any:
        return update_score(self._state, score_id, **changes)

    def ground_truth(self) -> dict[str, list[dict]]:
        """The data set once every change made so far has settled (what a sync must end up with)."""
        return ground_truth(self._state)

    # --- the unkind parts (simulator.unkind) --------------------------------------------------

    @property
    def unkind(self) -> Unkindness:
        return self._state.unkind

    def set_unkind(self, **switches: Any) -> Unkindness:
        """Turn single unkindnesses on or off on a running simulator, e.g. ``set_unkind(short_pages=False)``."""
        set_unkindness(self._state, switches)
        return self._state.unkind

    def advance(self, seconds: float) -> None:
        """Move the simulator's clock: changes whose ingestion lag has passed become visible."""
        self._state.ingestion.advance(seconds)
        self._state.ingestion.apply_due(self._state.store)

    def settle(self) -> int:
        """Make every change made so far visible now, as if the ingestion lag had passed; returns how many."""
        return settle(self._state)

    @property
    def pending_changes(self) -> int:
        """Changes made but not yet visible through the API."""
        return self._state.ingestion.pending
