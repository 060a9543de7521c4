"""Rows that hang off traces: sessions, annotation queue items (with their reviewers' scores), comments."""

from __future__ import annotations

import random

from simulator.gen_catalog import Catalog
from simulator.gen_common import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, cuid, iso_ms, parse_iso_ms
from simulator.gen_scores import ScoreFactory
from simulator.gen_traces import BuiltTrace
from simulator.store import Row

COMMENTS = [
    "Escalated to billing — see ticket **BIL-4821**.",
    "The retriever picked an outdated policy doc; reindex scheduled 🗓️.",
    "この回答は丁寧ですが、情報が古いです。",
    "Customer was happy in the end 🎉",
    "يحتاج هذا الرد إلى مراجعة قانونية.",
    "`max_tokens` too low here, answer got cut off:\n```\n...and then you\n```",
    "Prompt v3 fixes this (see diff).",
]


def build_sessions(project_id: str, traces: list[Row]) -> list[Row]:
    """One legacy Session row per session id; createdAt is its first trace's timestamp."""
    first: dict[str, Row] = {}
    for trace in traces:
        session = trace["sessionId"]
        if session is not None and (session not in first or trace["timestamp"] < first[session]["timestamp"]):
            first[session] = trace
    return [
        {
            "id": session,
            "createdAt": trace["timestamp"],
            "projectId": project_id,
            "environment": trace["environment"],
        }
        for session, trace in sorted(first.items(), key=lambda item: (item[1]["timestamp"], item[0]))
    ]


def build_annotation_queue_items(
    rng: random.Random,
    catalog: Catalog,
    scores: ScoreFactory,
    production: list[BuiltTrace],
    sessions: list[Row],
    end_ms: int,
) -> tuple[list[Row], list[Row]]:
    """Queue items for traces, generations and sessions; COMPLETED ones come with the reviewer's scores."""
    queue_by_object = {
        "TRACE": catalog.queues[0],
        "OBSERVATION": catalog.queues[1],
        "SESSION": catalog.queues[2],
    }
    finished = [built for built in production if built.trace["output"] is not None]
    generations = [
        (built, row)
        for built in finished[::7]
        for row in built.observations
        if row["type"] == "GENERATION" and row["endTime"]
    ]
    targets: list[tuple[str, Row, str, int]] = []
    for built in rng.sample(finished, min(len(finished), max(4, len(finished) // 60))):
        targets.append(
            ("TRACE", built.trace, built.trace["environment"], parse_iso_ms(built.trace["updatedAt"]))
        )
    for _built, row in rng.sample(generations, min(len(generations), max(3, len(finished) // 100))):
        targets.append(("OBSERVATION", row, row["environment"], parse_iso_ms(row["updatedAt"])))
    for session in rng.sample(sessions, min(len(sessions), max(2, len(sessions) // 20))):
        targets.append(
            ("SESSION", session, session["environment"], parse_iso_ms(session["createdAt"]) + MS_PER_HOUR)
        )
    items, score_rows = [], []
    for index, (object_type, row, environment, seen_ms) in enumerate(targets):
        queue = queue_by_object[object_type]
        created = min(seen_ms + rng.randint(MS_PER_MINUTE, 24 * MS_PER_HOUR), end_ms)
        completed = None
        if index % 5 != 1 and created + 10 * MS_PER_MINUTE < end_ms:  # ~80% reviewed, the rest PENDING
            completed = min(created + rng.randint(10 * MS_PER_MINUTE, 2 * MS_PER_DAY), end_ms)
            author = rng.choice(catalog.annotators)
            score_rows.extend(
                scores.for_annotation(
                    object_type, row, environment, queue["id"], author, completed - rng.randint(1_000, 60_000)
                )
            )
        items.append(
            {
                "id": cuid(rng),
                "queueId": queue["id"],
                "objectId": row["id"],
                "objectType": object_type,
                "status": "COMPLETED" if completed is not None else "PENDING",
                "completedAt": iso_ms(completed) if completed is not None else None,
                "createdAt": iso_ms(created),
                "updatedAt": iso_ms(completed if completed is not None else created),
            }
        )
    return items, score_rows


def build_comments(
    rng: random.Random,
    catalog: Catalog,
    production: list[BuiltTrace],
    sessions: list[Row],
    prompts: list[Row],
    end_ms: int,
) -> list[Row]:
    """Comments on traces, observations, sessions and prompt versions (every object type, always)."""
    count = max(8, len(production) // 2)  # hundreds in a busy project: more than a page
    targets: list[tuple[str, str, int]] = []
    for index in range(count):
        kind = ("TRACE", "TRACE", "OBSERVATION", "SESSION", "PROMPT", "TRACE", "OBSERVATION", "SESSION")[
            index % 8
        ]
        if kind == "SESSION" and not sessions:
            kind = "TRACE"
        if kind in ("TRACE", "OBSERVATION"):
            built = rng.choice(production)
            row = built.trace if kind == "TRACE" else rng.choice(built.observations)
        elif kind == "SESSION":
            row = rng.choice(sessions)
        else:
            row = rng.choice(prompts)
        targets.append((kind, row["id"], parse_iso_ms(row.get("updatedAt") or row["createdAt"])))
    comments = []
    for kind, object_id, seen_ms in targets:
        created = min(seen_ms + rng.randint(MS_PER_MINUTE, 3 * MS_PER_DAY), end_ms)
        edited = rng.random() < 0.15
        comments.append(
            {
                "id": cuid(rng),
                "projectId": catalog.project_id,
                "createdAt": iso_ms(created),
                "updatedAt": iso_ms(
                    min(created + rng.randint(MS_PER_MINUTE, MS_PER_DAY), end_ms) if edited else created
                ),
                "objectType": kind,
                "objectId": object_id,
                "content": rng.choice(COMMENTS),
                "authorUserId": rng.choice(catalog.annotators) if rng.random() < 0.85 else None,
            }
        )
    return comments
