"""The simulator's control surface under ``/_sim/``: change the data, the faults and the rate limits of a
running server. ``Simulator``'s methods call the same functions in-process.

Data changes go through ``simulator.mutations`` (the generator's helpers), which hold the store lock and
bump ``store.version`` so that cached indexes are rebuilt.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from simulator.faults import FaultPlan
from simulator.gen_common import frozen_now, now_ms
from simulator.store import Store
from simulator.unkind import unit_hash

if TYPE_CHECKING:
    from simulator.server import ServerState


class ControlError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _mutations():
    from simulator import mutations

    return mutations


def parse_at(value: Any) -> datetime | None:
    """``at`` as JSON sends it (ISO string) or as Python passes it (datetime)."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ControlError(400, f"'at' is not an ISO timestamp: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# The share of added traces first served still running (``Unkindness.running_then_complete``).
RUNNING_SHARE = 0.3


def _scratch(state: ServerState) -> Store:
    """The store as it will be once the queued changes are in: new changes are built on it."""
    return state.ingestion.final(state.store)


def _seed(state: ServerState, purpose: str, seed: int | None) -> int | str:
    # Changes queued but not yet applied leave the store's version alone: the count of changes made
    # tells two calls apart, so they never draw the same ids.
    return seed if seed is not None else f"{purpose}:{state.seed}:{state.ingestion.submitted}"


def add_traces(
    state: ServerState, n: int, at: Any = None, same_start_time: bool = False, seed: int | None = None
) -> list[str]:
    mutations = _mutations()
    new = mutations.build_traces(
        _scratch(state), int(n), at=parse_at(at), same_start_time=same_start_time,
        seed=_seed(state, "add-traces", seed),
    )
    ids = [trace["id"] for trace in new.traces]
    unkind = state.unkind
    running = {i for i in ids if unkind.running_then_complete and unit_hash(state.seed, "running", i) < RUNNING_SHARE}
    first = mutations.still_running(new, running) if running else new
    state.ingestion.submit(state.store, lambda store: mutations.commit(store, first))
    if running:
        # The end arrives minutes later: a new version of rows a client may already have read.
        finishing = unit_hash(state.seed, "finishes", ids[0]) * max(60.0, unkind.ingestion_lag_seconds)
        done = mutations.finished_later(new, first, state.ingestion.now_ms() + int(finishing * 1000))
        state.ingestion.submit(state.store, lambda store: mutations.replace_rows(store, done), finishing)
    return ids


def _queue_change(state: ServerState, change: Any) -> Any:
    """Make ``change`` (a function of a store) on the store as it will be, to fail now and return its
    result, and queue it for the served store; both stamp the same "now"."""
    made = now_ms()

    def stamped(store: Store) -> Any:
        with frozen_now(made):
            return change(store)

    result = stamped(_scratch(state))
    state.ingestion.submit(state.store, stamped)
    return result


def update_observation(state: ServerState, trace_id: str, observation_id: str, **changes: Any) -> dict:
    return _queue_change(state, lambda store: _mutations().update_observation(store, trace_id, observation_id, **changes))


def delete_trace(state: ServerState, trace_id: str) -> int:
    return _queue_change(state, lambda store: _mutations().delete_trace(store, trace_id))


def add_scores(state: ServerState, n: int, at: Any = None) -> Any:
    mutations = _mutations()
    new = mutations.build_scores(_scratch(state), int(n), at=parse_at(at), seed=_seed(state, "add-scores", None))
    state.ingestion.submit(state.store, lambda store: mutations.commit(store, new))
    return [score["id"] for score in new.scores]


def update_score(state: ServerState, score_id: str, **changes: Any) -> Any:
    return _queue_change(state, lambda store: _mutations().update_score(store, score_id, **changes))


def ground_truth(state: ServerState) -> dict[str, list[dict]]:
    """The data set once every queued change has settled (the served store is left as it is)."""
    from simulator.truth import export_ground_truth

    return export_ground_truth(_scratch(state))


def settle(state: ServerState) -> int:
    return state.ingestion.settle(state.store)


def set_unkindness(state: ServerState, changes: dict[str, Any]) -> dict[str, Any]:
    state.unkind = state.unkind.updated(changes)
    return state.unkind.to_json()


def _require(body: dict[str, Any], *names: str) -> None:
    missing = [name for name in names if name not in body]
    if missing:
        raise ControlError(400, f"missing field(s): {', '.join(missing)}")


_DELETE_TRACE = re.compile(r"^/_sim/traces/(?P<id>[^/]+)/delete/?$")


def handle(state: ServerState, method: str, path: str, body: Any) -> tuple[int, Any]:
    """Answer one control request: (status, JSON body)."""
    body = body if isinstance(body, dict) else {}
    try:
        return 200, _dispatch(state, method, path.rstrip("/") or "/", body)
    except ControlError as error:
        return error.status, {"message": error.message}
    except KeyError as error:
        return 404, {"message": str(error.args[0]) if error.args else "not found"}
    except (ValueError, TypeError) as error:
        return 400, {"message": f"{type(error).__name__}: {error}"}


def _dispatch(state: ServerState, method: str, path: str, body: dict[str, Any]) -> Any:
    if method == "POST" and path == "/_sim/traces":
        _require(body, "n")
        ids = add_traces(
            state,
            body["n"],
            body.get("at"),
            bool(body.get("sameStartTime", body.get("same_start_time"))),
            body.get("seed"),
        )
        return {"traceIds": ids}
    if method == "POST" and path == "/_sim/observations/update":
        _require(body, "traceId", "id")
        changes = {k: v for k, v in body.items() if k not in ("traceId", "id")}
        return update_observation(state, body["traceId"], body["id"], **changes)
    if method == "POST" and (match := _DELETE_TRACE.match(path)):
        return {"deleted": delete_trace(state, match["id"])}
    if method == "POST" and path == "/_sim/scores":
        _require(body, "n")
        added = add_scores(state, body["n"], body.get("at"))
        return {"scoreIds": added if isinstance(added, list) else None}
    if method == "POST" and path == "/_sim/scores/update":
        _require(body, "id")
        return update_score(state, body["id"], **{k: v for k, v in body.items() if k != "id"})
    if path == "/_sim/faults":
        if method == "POST":
            state.faults = FaultPlan.from_json(body)
            return state.faults.to_json()
        if method == "DELETE":
            state.faults = FaultPlan()
            return state.faults.to_json()
        if method == "GET":
            return state.faults.to_json()
    if method == "POST" and path == "/_sim/rate-limit":
        if body.get("maxRpm") is not None:
            state.limiter.set_max_rpm(int(body["maxRpm"]))
        else:
            state.limiter.set_plan(body.get("plan"))
        return {"plan": state.limiter.plan, "maxRpm": body.get("maxRpm")}
    if path == "/_sim/latency":
        if method == "POST":
            return state.latency.set(body).to_json()
        if method == "GET":
            return state.latency.latency.to_json()
    if path == "/_sim/unkindness":
        if method == "POST":
            return set_unkindness(state, body)
        if method == "GET":
            return state.unkind.to_json()
    if method == "POST" and path == "/_sim/clock/advance":
        _require(body, "seconds")
        state.ingestion.advance(float(body["seconds"]))
        state.ingestion.apply_due(state.store)
        return {"now": state.ingestion.now_ms(), "pending": state.ingestion.pending}
    if method == "POST" and path == "/_sim/settle":
        return {"applied": settle(state)}
    if method == "GET" and path == "/_sim/ground-truth":
        return ground_truth(state)
    if method == "GET" and path == "/_sim/stats":
        return state.stats.snapshot()
    if method == "POST" and path == "/_sim/stats/reset":
        state.stats.reset()
        return {"reset": True}
    raise ControlError(404, f"unknown control endpoint {method} {path}")
