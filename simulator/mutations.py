"""Changes to a live ``Store``: the test-control surface for late data, updates and deletes.

Each helper holds ``store.lock`` for the whole change and then calls ``store.bump()``. Rows and lists
are never changed in place: a changed row is a new dict, and a changed list is a new list assigned to
the store, so a reader that copied references under the lock keeps a consistent snapshot.

New data is stamped with the wall clock (createdAt/updatedAt = now), as ingestion would, while its
event time (``at``) can lie in the past: that is how tests make late-arriving data.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from simulator import gen_text as text
from simulator.gen_catalog import Catalog
from simulator.gen_common import iso_ms, json_text, now_ms, parse_iso_ms, to_ms, trace_id
from simulator.gen_scores import ScoreFactory, observation_subject, trace_subject
from simulator.gen_traces import TraceAttrs, TraceFactory
from simulator.gen_usage import apply_model, apply_timing, apply_usage, price_usage
from simulator.store import Row, Store

_USAGE_FIELDS = {"usageDetails", "costDetails", "model"}


def _rng(store: Store, purpose: str, seed: int | str | None) -> random.Random:
    # Without a seed, the store's state picks the stream: the same call sequence gives the same data.
    return random.Random(
        seed if seed is not None else f"{purpose}:{store.version}:{len(store.traces)}:{len(store.scores)}"
    )


@dataclass(frozen=True)
class NewRows:
    """Rows built for the store but not yet in it (the ingestion queue commits them later)."""

    traces: list[Row] = dataclasses.field(default_factory=list)
    observations: list[Row] = dataclasses.field(default_factory=list)
    scores: list[Row] = dataclasses.field(default_factory=list)


def add_traces(
    store: Store,
    n: int,
    *,
    at: datetime | None = None,
    same_start_time: bool = False,
    seed: int | str | None = None,
) -> list[str]:
    """Append ``n`` traces (all rooted at ``at``) with their observations and a few scores; returns their ids.

    ``same_start_time=True`` gives every new observation exactly the start time ``at``.
    """
    with store.lock:
        new = build_traces(store, n, at=at, same_start_time=same_start_time, seed=seed)
        commit(store, new)
        return [trace["id"] for trace in new.traces]


def build_traces(
    store: Store,
    n: int,
    *,
    at: datetime | None = None,
    same_start_time: bool = False,
    seed: int | str | None = None,
) -> NewRows:
    """The rows ``add_traces`` appends, without appending them."""
    with store.lock:
        rng = _rng(store, "add-traces", seed)
        now = now_ms()
        start = to_ms(at) if at is not None else now
        catalog = Catalog.from_store(store)
        factory = TraceFactory(rng, catalog)
        scorer = ScoreFactory(rng, catalog, end_ms=None)
        built = []
        for _ in range(n):
            kind = rng.choice(("rag", "agent"))
            env = rng.choices(("production", "staging", "dev"), (0.7, 0.2, 0.1))[0]
            attrs = TraceAttrs(
                trace_id(rng),
                "support-agent" if kind == "agent" else "rag-chat",
                env,
                f"user-{rng.randrange(1000):05d}",
                None,
                ["late", kind],
                None,
                None,
                start,
            )
            plan = factory.plan_agent() if kind == "agent" else factory.plan_rag()
            built.append(factory.build(attrs, plan, same_start=same_start_time, ingested_ms=now))
        new_scores = [score for trace in built for score in scorer.for_trace(trace, ingested_ms=now)]
        return NewRows(
            [trace.trace for trace in built], [row for trace in built for row in trace.observations], new_scores
        )


def commit(store: Store, new: NewRows) -> None:
    """Append built rows to the store (scores are embedded in their experiment items, too)."""
    with store.lock:
        store.traces = store.traces + new.traces
        store.observations = store.observations + new.observations
        if new.scores:
            store.scores = store.scores + new.scores
            _embed_scores(store, new.scores)
        store.bump()


def replace_rows(store: Store, new: NewRows) -> None:
    """Put new versions of existing traces and observations in place (a running trace completed)."""
    with store.lock:
        observations = {(row["traceId"], row["id"]): row for row in new.observations}
        traces = {row["id"]: row for row in new.traces}
        store.observations = [observations.get((row["traceId"], row["id"]), row) for row in store.observations]
        store.traces = [traces.get(row["id"], row) for row in store.traces]
        store.bump()


# What an observation that has not finished lacks: its end, output, usage and cost come with the update.
_UNFINISHED = {
    "endTime": None, "output": None, "completionStartTime": None, "latency": None, "timeToFirstToken": None,
    "usageDetails": {}, "costDetails": {}, "totalCost": 0.0, "inputUsage": 0, "outputUsage": 0,
    "totalUsage": 0, "inputCost": None, "outputCost": None, "usagePricingTierName": None,
}


def still_running(new: NewRows, trace_ids: set[str]) -> NewRows:
    """The first versions of ``new`` with these traces still running: the root and its last step have
    not finished (as the generator's in-flight traces). The rows of ``new`` are their final versions."""
    last_step: dict[str, str] = {}
    roots = {row["traceId"]: row["id"] for row in new.observations if row["isRootObservation"]}
    for row in new.observations:
        if row["traceId"] in trace_ids and row["parentObservationId"] == roots.get(row["traceId"]):
            last_step[row["traceId"]] = row["id"]
    running = {(trace, roots[trace]) for trace in trace_ids if trace in roots}
    running |= set(last_step.items())
    observations = [
        row | _UNFINISHED if (row["traceId"], row["id"]) in running else row for row in new.observations
    ]
    traces = [row | {"output": None} if row["id"] in trace_ids else row for row in new.traces]
    return NewRows(traces, observations, new.scores)


def finished_later(new: NewRows, first: NewRows, at_ms: int) -> NewRows:
    """The rows of ``new`` that ``first`` served unfinished, in their final versions updated at ``at_ms``."""
    stamp = {"updatedAt": iso_ms(at_ms)}
    return NewRows(
        [row | stamp for row, was in zip(new.traces, first.traces, strict=True) if row != was],
        [row | stamp for row, was in zip(new.observations, first.observations, strict=True) if row != was],
    )


def update_observation(store: Store, trace_id: str, observation_id: str, **changes: Any) -> Row:
    """Late-arriving fields for one observation (endTime, output, usageDetails, level, ...).

    Derived fields follow: latency and timeToFirstToken from the times; costs from the usage and the
    matched model's prices unless ``costDetails`` is given; usage/cost totals from both. Returns the new row.
    """
    with store.lock:
        index = _find(
            store.observations, lambda row: row["id"] == observation_id and row["traceId"] == trace_id
        )
        old = store.observations[index]
        unknown = set(changes) - set(old)
        if unknown:
            raise ValueError(f"not ObservationV2 fields: {sorted(unknown)}")
        changes = _canonical(changes, raw_io=True)
        row = dict(old) | changes
        if _USAGE_FIELDS & set(changes):
            usage = dict(row["usageDetails"] or {})
            if usage and "total" not in usage:
                usage["total"] = sum(usage.values())
            model = (
                Catalog.from_store(store).model_for(row["model"], parse_iso_ms(row["startTime"]))
                if row["model"]
                else None
            )
            tier, computed = price_usage(model, usage)
            costs = changes.get("costDetails", computed)
            if "costDetails" in changes and costs and "total" not in costs:
                costs = costs | {"total": sum(costs.values())}
            apply_usage(row, usage, costs)
            apply_model(row, model, tier)
        apply_timing(row)
        row["updatedAt"] = iso_ms(max(now_ms(), parse_iso_ms(old["updatedAt"])))
        observations = list(store.observations)
        observations[index] = row
        store.observations = observations
        if row["isRootObservation"]:
            _touch_trace(store, row, changes)
        store.bump()
        return row


def _touch_trace(store: Store, root: Row, changes: dict[str, Any]) -> None:
    """The legacy trace mirrors its root's io and moves its updatedAt with it."""
    index = _find(store.traces, lambda trace: trace["id"] == root["traceId"], missing_ok=True)
    if index is None:
        return
    trace = dict(store.traces[index]) | {"updatedAt": root["updatedAt"]}
    for field in ("input", "output"):
        if field in changes:
            trace[field] = _parse(root[field])
    traces = list(store.traces)
    traces[index] = trace
    store.traces = traces


def delete_trace(store: Store, trace_id: str) -> int:
    """Hard delete of a trace with its observations, scores and experiment items; returns rows removed.

    Like Langfuse there are no tombstones. A session left without traces disappears too, because the
    legacy sessions list is derived from traces.
    """
    with store.lock:
        known = _find(store.traces, lambda trace: trace["id"] == trace_id, missing_ok=True) is not None
        if (
            not known
            and _find(store.observations, lambda row: row["traceId"] == trace_id, missing_ok=True) is None
        ):
            raise KeyError(f"trace {trace_id} not found")
        removed = 0

        def keep(rows: list[Row], doomed: Any) -> list[Row]:
            nonlocal removed
            kept = [row for row in rows if not doomed(row)]
            removed += len(rows) - len(kept)
            return kept

        gone_trace = [trace for trace in store.traces if trace["id"] == trace_id]
        store.traces = keep(store.traces, lambda trace: trace["id"] == trace_id)
        store.observations = keep(store.observations, lambda row: row["traceId"] == trace_id)
        doomed_scores = {score["id"] for score in store.scores if _score_trace_id(score) == trace_id}
        store.scores = keep(store.scores, lambda score: score["id"] in doomed_scores)
        store.experiment_items = keep(store.experiment_items, lambda item: item["traceId"] == trace_id)
        _refresh_experiments(store, doomed_scores)
        session = gone_trace[0]["sessionId"] if gone_trace else None
        if session is not None and not any(trace["sessionId"] == session for trace in store.traces):
            store.sessions = keep(store.sessions, lambda row: row["id"] == session)
        store.bump()
        return removed


def add_scores(store: Store, n: int, *, at: datetime | None = None, seed: int | str | None = None) -> list[str]:
    """``n`` API scores (rotating through NUMERIC, BOOLEAN, CATEGORICAL, TEXT) on existing traces and observations."""
    with store.lock:
        new = build_scores(store, n, at=at, seed=seed)
        commit(store, new)
        return [score["id"] for score in new.scores]


def build_scores(store: Store, n: int, *, at: datetime | None = None, seed: int | str | None = None) -> NewRows:
    """The scores ``add_scores`` appends, without appending them."""
    with store.lock:
        rng = _rng(store, "add-scores", seed)
        now = now_ms()
        scorer = ScoreFactory(rng, Catalog.from_store(store), end_ms=None)
        roots = {row["traceId"]: row for row in store.observations if row.get("isRootObservation")}
        # v4-only stores have no legacy trace rows: the root observations stand for their traces.
        targets = [(trace["id"], trace["environment"]) for trace in store.traces] or [
            (trace, root.get("environment") or "default") for trace, root in sorted(roots.items())
        ]
        if not targets:
            raise ValueError("the store has no traces to score")
        new = []
        for index in range(n):
            trace, environment = rng.choice(targets)
            root = roots.get(trace)
            subject = (
                observation_subject(root) if root is not None and index % 3 == 2 else trace_subject(trace)
            )
            name, data_type, value = [
                ("late_rating", "NUMERIC", round(rng.uniform(0, 1), 3)),
                ("user_feedback", "BOOLEAN", rng.random() < 0.6),
                ("tone", "CATEGORICAL", rng.choice(["friendly", "neutral", "rude"])),
                ("feedback_text", "TEXT", rng.choice(text.QUESTIONS)),
            ][index % 4]
            new.append(
                scorer.score(
                    name=name,
                    data_type=data_type,
                    value=value,
                    source="API",
                    subject=subject,
                    environment=environment,
                    timestamp_ms=to_ms(at) if at is not None else now,
                    metadata={"late": True},
                    ingested_ms=now,
                )
            )
        return NewRows(scores=new)


def update_score(store: Store, score_id: str, **changes: Any) -> Row:
    """Edit a score (value, comment, metadata, ...); updatedAt = now. Embedded copies follow."""
    with store.lock:
        index = _find(store.scores, lambda score: score["id"] == score_id)
        old = store.scores[index]
        unknown = set(changes) - set(old)
        if unknown:
            raise ValueError(f"not ScoreV3 fields: {sorted(unknown)}")
        row = dict(old) | _canonical(changes, raw_io=False)
        row["updatedAt"] = iso_ms(max(now_ms(), parse_iso_ms(old["updatedAt"])))
        scores = list(store.scores)
        scores[index] = row
        store.scores = scores
        store.experiments = [_replace_embedded(experiment, row) for experiment in store.experiments]
        store.experiment_items = [_replace_embedded(item, row) for item in store.experiment_items]
        store.bump()
        return row


# ----- helpers ------------------------------------------------------------------------------------
def _canonical(changes: dict[str, Any], *, raw_io: bool) -> dict[str, Any]:
    """Accept datetimes for time fields and objects for io, store them in the canonical shape."""
    out = {}
    for key, value in changes.items():
        if isinstance(value, datetime):
            value = iso_ms(to_ms(value))
        elif raw_io and key in ("input", "output") and value is not None and not isinstance(value, str):
            value = json_text(value)
        out[key] = value
    return out


def _find(rows: list[Row], matches: Any, *, missing_ok: bool = False) -> int | None:
    for index in range(len(rows) - 1, -1, -1):  # newest rows are the likeliest targets
        if matches(rows[index]):
            return index
    if missing_ok:
        return None
    raise KeyError("no such row")


def _parse(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw


def _score_trace_id(score: Row) -> str | None:
    subject = score["subject"]
    if subject["kind"] == "trace":
        return subject["id"]
    return subject.get("traceId") if subject["kind"] == "observation" else None


def _replace_embedded(row: Row, score: Row) -> Row:
    if not row.get("scores") or not any(embedded["id"] == score["id"] for embedded in row["scores"]):
        return row
    return row | {
        "scores": [dict(score) if embedded["id"] == score["id"] else embedded for embedded in row["scores"]]
    }


def _embed_scores(store: Store, scores: list[Row]) -> None:
    """Experiment items list the scores of their trace and their root observation."""
    by_trace: dict[str, list[Row]] = {}
    for score in scores:
        trace = _score_trace_id(score)
        if trace is not None:
            by_trace.setdefault(trace, []).append(score)
    if not any(item["traceId"] in by_trace for item in store.experiment_items):
        return
    items = []
    for item in store.experiment_items:
        extra = [
            dict(score)
            for score in by_trace.get(item["traceId"], [])
            if score["subject"]["kind"] == "trace" or score["subject"]["id"] == item["id"]
        ]
        items.append(item | {"scores": (item.get("scores") or []) + extra} if extra else item)
    store.experiment_items = items


def _refresh_experiments(store: Store, deleted_scores: set[str]) -> None:
    """Keep startTime/endTime/itemCount consistent with the items that are left."""
    items_by_experiment: dict[str, list[Row]] = {}
    for item in store.experiment_items:
        items_by_experiment.setdefault(item["experimentId"], []).append(item)
    experiments = []
    for experiment in store.experiments:
        items = items_by_experiment.get(experiment["id"], [])
        if not items:
            continue  # no events left: the experiment no longer shows up
        ends = [item["endTime"] for item in items if item["endTime"]]
        experiments.append(
            experiment
            | {
                "startTime": min(item["startTime"] for item in items),
                "endTime": max(ends) if ends else experiment["endTime"],
                "itemCount": len(items),
                "scores": [
                    score for score in experiment.get("scores") or [] if score["id"] not in deleted_scores
                ],
            }
        )
    store.experiments = experiments
