"""The simulator's deterministic synthetic data set: a support chatbot and agent project in Langfuse.

``generate(seed, traces)`` returns a ``Store`` whose rows are in the canonical shape ``store.py``
describes. The same arguments always give byte-identical data: every random draw comes from
``random.Random`` instances seeded from ``seed`` (one per concern, so that e.g. the comment generator
does not shift the trace data), and every time is relative to ``end``, never the wall clock.

What is in it, at any size:
* production traffic over ``days`` before ``end``: RAG chat turns (SPAN/CHAIN -> RETRIEVER -> EMBEDDING,
  GENERATION, ...) and agent runs (AGENT -> GENERATION, TOOL -> CHAIN -> GENERATION, GUARDRAIL, EVENT,
  EVALUATOR), ~8 observations per trace, in production/staging/dev, multi-turn sessions, ~1 user per 10
  traces; most traces start on whole seconds, and batch bursts start dozens of traces in one millisecond;
  a few traces are still running (endTime null); a few observation ids repeat across traces, because v4
  span ids are unique only within a trace;
* experiments on two datasets (3 and 2 runs) whose traces live in ``sdk-experiment``; ``len(store.traces)``
  equals ``traces`` (experiment traces included);
* scores of every data type, source and subject kind; comments on every object type; annotation queues
  with PENDING and COMPLETED items; prompts, models (with a mid-range price change), score configs,
  evaluators and evaluation rules.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from simulator import gen_scale
from simulator.gen_catalog import build_catalog
from simulator.gen_common import (
    MS_PER_DAY,
    MS_PER_MINUTE,
    MS_PER_SECOND,
    json_text,
    parse_iso_ms,
    to_ms,
    uuid_str,
)
from simulator.gen_experiments import RUN_PLANS, build_experiments, experiment_trace_count
from simulator.gen_extras import build_annotation_queue_items, build_comments, build_sessions
from simulator.gen_scores import ScoreFactory
from simulator.gen_traces import BuiltTrace, TraceAttrs, TraceFactory
from simulator.store import Row, Store

DEFAULT_END = datetime(2026, 11, 16, tzinfo=UTC)
PROJECT_NAME = "Acme Support Bot"
RELEASES = ["v1.12.0", "v1.12.1", "v1.13.0", "v1.14.0", "v1.14.2", "v1.15.0"]
TAG_POOL = ["beta", "vip", "eu", "mobile", "需要审核", "🔥hot", "ab:variant-b"]
BATCH_TRACE_NAME = "nightly-ticket-triage"


def generate(
    seed: int = 42,
    traces: int = 200,
    *,
    end: datetime = DEFAULT_END,
    days: int = 28,
    project_id: str = "proj-demo",
) -> Store:
    """Build the whole data set; ``traces`` is the exact number of traces (experiment traces included)."""
    end_ms = to_ms(end)
    start_ms = end_ms - days * MS_PER_DAY

    def rng_for(concern: str) -> random.Random:
        return random.Random(f"{seed}:{concern}")

    catalog, catalog_rows = build_catalog(rng_for("catalog"), project_id, start_ms, end_ms)
    _scale_catalog(rng_for, catalog_rows, project_id, start_ms, traces)
    factory = TraceFactory(rng_for("traces"), catalog, end_ms)
    scores = ScoreFactory(rng_for("scores"), catalog, end_ms)

    items_per_dataset = min(60, max(4, traces // 20))
    production_count = max(1, traces - experiment_trace_count(items_per_dataset))
    production = [
        factory.build(attrs, plan, running=running)
        for attrs, plan, running in _plan_traffic(
            rng_for("traffic"), factory, production_count, start_ms, end_ms
        )
    ]
    _share_span_ids(rng_for("span-ids"), production)
    _attach_large_documents(rng_for("large-io"), production)

    experiments = build_experiments(
        rng_for("experiments"),
        catalog_rows["datasets"],
        factory,
        scores,
        production,
        items_per_dataset,
        start_ms,
        end_ms,
        RELEASES[-1],
    )
    experiment_traces = experiments.traces[: max(0, traces - production_count)]
    if len(experiment_traces) < len(experiments.traces):  # tiny data sets: fewer traces than run items
        experiments = _drop_unbuilt_items(experiments, {b.trace["id"] for b in experiment_traces})
    shortfall = traces - production_count - len(experiment_traces)  # archived items made runs smaller
    production += [
        factory.build(attrs, plan, running=running)
        for attrs, plan, running in _plan_traffic(
            rng_for("top-up"), factory, shortfall, start_ms, end_ms, bursts=False
        )
    ]
    all_traces = sorted(
        production + experiment_traces, key=lambda built: (built.trace["timestamp"], built.trace["id"])
    )
    trace_rows = [built.trace for built in all_traces]
    sessions = build_sessions(project_id, trace_rows)

    score_rows = [score for built in production for score in scores.for_trace(built)]
    score_rows += _session_scores(rng_for("session-scores"), scores, production, sessions)
    queue_items, annotation_scores = build_annotation_queue_items(
        rng_for("annotations"), catalog, scores, production, sessions, end_ms
    )
    score_rows += annotation_scores + experiments.scores
    score_rows.sort(key=lambda row: (row["timestamp"], row["id"]))

    return Store(
        project_id=project_id,
        project_name=PROJECT_NAME,
        traces=trace_rows,
        observations=[row for built in all_traces for row in built.observations],
        scores=score_rows,
        sessions=sessions,
        experiments=experiments.experiments,
        experiment_items=experiments.experiment_items,
        datasets=catalog_rows["datasets"],
        dataset_items=experiments.dataset_items + catalog_rows["more_dataset_items"],
        comments=build_comments(
            rng_for("comments"), catalog, production, sessions, catalog_rows["prompts"], end_ms
        ),
        prompts=catalog_rows["prompts"],
        score_configs=catalog_rows["score_configs"],
        models=catalog_rows["models"],
        evaluators=catalog_rows["evaluators"],
        evaluation_rules=catalog_rows["evaluation_rules"],
        annotation_queues=catalog_rows["annotation_queues"],
        annotation_queue_items=queue_items,
    )


def _scale_catalog(rng_for, rows: dict[str, list[Row]], project_id: str, start_ms: int, traces: int) -> None:
    """Catalogs as large as real projects keep them (``gen_scale``): more than a page of managed models
    always, and prompts and dataset items in proportion to the traffic."""
    setup_ms = start_ms - 45 * MS_PER_DAY
    rows["models"] = rows["models"] + gen_scale.managed_models(rng_for("managed-models"), setup_ms)
    rows["prompts"] = rows["prompts"] + gen_scale.more_prompts(
        rng_for("more-prompts"), project_id, setup_ms, traces // 4
    )
    rows["more_dataset_items"] = gen_scale.more_dataset_items(
        rng_for("more-dataset-items"), rows["datasets"], min(5000, traces)
    )


def _plan_traffic(
    rng: random.Random, factory: TraceFactory, count: int, start_ms: int, end_ms: int, *, bursts: bool = True
):
    """Trace attributes and plans in start-time order: bursts, still-running traces, sessions, singles."""
    span = end_ms - start_ms
    users = _users(rng, max(3, count // 10))
    tag_lists: dict[tuple[str, ...], list[str]] = {}
    planned: list[tuple[TraceAttrs, str, bool]] = []

    def attrs(
        start: int, kind: str, env: str, user: str | None, session: str | None, name: str | None = None
    ) -> TraceAttrs:
        release_index = min(
            len(RELEASES) - 1, (start - start_ms) * len(RELEASES) // span + (env == "staging")
        )
        tags = tuple(
            sorted(rng.sample(TAG_POOL, rng.choice((0, 1, 1, 2, 3))))
            + ["agent" if kind == "agent" else "rag"]
        )
        tag_list = tag_lists.setdefault(tags, list(tags))  # shared: rows never mutate tags in place
        name = name or (
            "support-agent" if kind == "agent" else ("客服-问答" if rng.random() < 0.01 else "rag-chat")
        )
        metadata = {"customer_tier": rng.choice(["free", "pro", "enterprise"])} if rng.random() < 0.6 else {}
        return TraceAttrs(
            f"{rng.getrandbits(128):032x}",
            name,
            env,
            user,
            session,
            tag_list,
            None if env == "dev" and rng.random() < 0.5 else RELEASES[release_index],
            f"build-{1200 + release_index * 7}",
            start,
            public=rng.random() < 0.02,
            bookmarked=rng.random() < 0.01,
            metadata=metadata,
        )

    remaining = count
    for _ in range(
        max(1, count // 1000) if bursts else 0
    ):  # batch jobs: dozens of traces in the same millisecond
        size = min(remaining, rng.randint(20, 60))
        burst_ms = start_ms + rng.randrange(span - 30 * MS_PER_MINUTE)
        kind = rng.choice(["rag", "agent"])
        planned += [
            (attrs(burst_ms, kind, "production", None, None, BATCH_TRACE_NAME), kind, False)
            for _ in range(size)
        ]
        remaining -= size
    for _ in range(
        min(remaining, max(1, count // 2000)) if bursts else 0
    ):  # in flight when the data set was taken
        kind = rng.choice(["rag", "agent"])
        planned.append(
            (
                attrs(
                    end_ms - rng.randint(300, 900) * MS_PER_SECOND,
                    kind,
                    "production",
                    rng.choice(users),
                    None,
                ),
                kind,
                True,
            )
        )
        remaining -= 1
    while remaining > 0:
        kind = "rag" if rng.random() < 0.5 else "agent"
        turns = rng.randint(2, 8) if rng.random() < (0.7 if kind == "rag" else 0.3) else 1
        turns = min(turns, remaining)
        env = rng.choices(("production", "staging", "dev"), (0.7, 0.2, 0.1))[0]
        user = users[int(len(users) * rng.random() ** 2)] if rng.random() < 0.85 else None
        session = (
            (f"chat-{rng.getrandbits(48):012x}" if rng.random() < 0.7 else uuid_str(rng))
            if turns > 1
            else None
        )
        at = start_ms + rng.randrange(span - 15 * MS_PER_MINUTE - turns * 5 * MS_PER_MINUTE)
        for _ in range(turns):
            if rng.random() < 0.85:
                at -= at % MS_PER_SECOND  # most SDK clocks and batch imports land on whole seconds
            planned.append((attrs(at, kind, env, user, session), kind, False))
            at += rng.randint(20, 300) * MS_PER_SECOND
        remaining -= turns
    planned.sort(key=lambda item: item[0].start_ms)
    for trace_attrs, kind, running in planned:
        yield trace_attrs, factory.plan_agent() if kind == "agent" else factory.plan_rag(), running


def _users(rng: random.Random, count: int) -> list[str]:
    formats = [
        lambda i: f"user-{i:05d}",
        lambda i: f"customer{i}@example.com",
        lambda i: f"u_{rng.getrandbits(24):06x}",
        lambda i: f"用户-{i}",
    ]
    return [formats[i % len(formats)](i) for i in range(count)]


def _share_span_ids(rng: random.Random, production: list[BuiltTrace]) -> None:
    """Give a few leaf observations the span id of an observation in another trace (legal in v4)."""
    leaves = [
        (index, row)
        for index, built in enumerate(production)
        for row in built.observations
        if row["type"] in ("EMBEDDING", "EVENT", "GUARDRAIL")
    ]
    if len(production) < 2 or len(leaves) < 2:
        return
    for _ in range(max(1, len(production) // 1000)):
        (first_trace, first), (second_trace, second) = rng.sample(leaves, 2)
        if first_trace != second_trace:
            second["id"] = first["id"]


# Whole manuals pasted into a prompt: a page holding three of them is over the 5 MB response cap, so a
# client must lower its page size (``Unkindness.response_cap_bytes``); one of them alone is not.
LARGE_INPUT_CHARS = 1_800_000
LARGE_DOCUMENTS_PER_TRACE = 3


def _attach_large_documents(rng: random.Random, production: list[BuiltTrace]) -> None:
    """Give the child steps of one trace per 5,000 (at least one) inputs of ~1.8 MB each."""
    candidates = [built for built in production if len(built.observations) > LARGE_DOCUMENTS_PER_TRACE]
    for built in rng.sample(candidates, min(len(candidates), 1 + len(production) // 5000)):
        for row in built.observations[1 : 1 + LARGE_DOCUMENTS_PER_TRACE]:
            words = " ".join(rng.choice(MANUAL_WORDS) for _ in range(64))
            row["input"] = json_text({"document": (words + "\n") * (LARGE_INPUT_CHARS // (len(words) + 1))})


MANUAL_WORDS = ("router", "firmware", "reset", "warranty", "section", "步骤", "ℹ️", "port", "LED", "cable")


def _session_scores(
    rng: random.Random, scores: ScoreFactory, production: list[BuiltTrace], sessions: list[Row]
) -> list[Row]:
    last_end: dict[str, int] = {}
    for built in production:
        session = built.trace["sessionId"]
        if session is not None and built.root["endTime"] is not None:
            last_end[session] = max(last_end.get(session, 0), parse_iso_ms(built.root["endTime"]))
    return [
        scores.for_session(row["id"], row["environment"], last_end[row["id"]])
        for row in sessions
        if row["id"] in last_end and rng.random() < 0.2
    ]


def _drop_unbuilt_items(experiments, kept_trace_ids: set[str]):
    """Keep experiments consistent when the data set is too small for every run item to get a trace."""
    experiments.experiment_items = [
        item for item in experiments.experiment_items if item["traceId"] in kept_trace_ids
    ]
    kept_runs = {item["experimentId"] for item in experiments.experiment_items}
    for experiment in experiments.experiments:
        items = [item for item in experiments.experiment_items if item["experimentId"] == experiment["id"]]
        if items:
            experiment["startTime"] = min(item["startTime"] for item in items)
            experiment["endTime"] = max(item["endTime"] for item in items)
            experiment["itemCount"] = len(items)
    experiments.experiments = [e for e in experiments.experiments if e["id"] in kept_runs]
    experiments.scores = [
        s
        for s in experiments.scores
        if _score_trace(s) in kept_trace_ids
        or (s["subject"]["kind"] == "experiment" and s["subject"]["id"] in kept_runs)
    ]
    experiments.traces = [b for b in experiments.traces if b.trace["id"] in kept_trace_ids]
    return experiments


def _score_trace(score: Row) -> str | None:
    subject = score["subject"]
    return subject["id"] if subject["kind"] == "trace" else subject.get("traceId")


__all__ = ["DEFAULT_END", "RUN_PLANS", "generate"]
