"""Scores in the ScoreV3 shape: every data type, every source, every subject kind.

``value`` is polymorphic as in ``/api/public/v3/scores``: a number for NUMERIC, a boolean for BOOLEAN,
a string for CATEGORICAL, TEXT and CORRECTION. Legacy handlers derive ``stringValue`` and the mapped
numeric value from the score config.
"""

from __future__ import annotations

import random
from typing import Any

from simulator import gen_text as text
from simulator.gen_catalog import Catalog
from simulator.gen_common import MS_PER_HOUR, iso_ms, parse_iso_ms, trace_id, uuid_str
from simulator.gen_traces import BuiltTrace
from simulator.store import Row

USER_COMMENTS = [
    "Great answer, thanks! 🙏",
    "Wrong store hours.",
    "回答が英語でした",
    "La respuesta no tiene sentido",
    "👎 didn't fix it",
    None,
    None,
]


def trace_subject(trace_id_: str) -> dict[str, Any]:
    return {"kind": "trace", "id": trace_id_}


def observation_subject(row: Row) -> dict[str, Any]:
    return {"kind": "observation", "id": row["id"], "traceId": row["traceId"]}


def session_subject(session_id: str) -> dict[str, Any]:
    return {"kind": "session", "id": session_id}


def experiment_subject(experiment_id: str) -> dict[str, Any]:
    return {"kind": "experiment", "id": experiment_id}


class ScoreFactory:
    def __init__(self, rng: random.Random, catalog: Catalog, end_ms: int | None):
        self.rng = rng
        self.catalog = catalog
        self.end_ms = end_ms  # nothing is scored after the data set's "now"; None = no cap (live data)

    def _cap(self, ms: int) -> int:
        return ms if self.end_ms is None else min(ms, self.end_ms)

    def score(
        self,
        *,
        name: str,
        data_type: str,
        value: Any,
        source: str,
        subject: dict[str, Any],
        environment: str,
        timestamp_ms: int,
        comment: str | None = None,
        metadata: dict[str, Any] | None = None,
        author: str | None = None,
        queue_id: str | None = None,
        ingested_ms: int | None = None,
    ) -> Row:
        config = self.catalog.score_configs.get(name)
        timestamp_ms = self._cap(timestamp_ms)
        created = (
            ingested_ms if ingested_ms is not None else self._cap(timestamp_ms + self.rng.randint(50, 3000))
        )
        edited = ingested_ms is None and self.rng.random() < 0.05
        updated = self._cap(created + self.rng.randint(MS_PER_HOUR, 48 * MS_PER_HOUR)) if edited else created
        return {
            "id": uuid_str(self.rng),
            "projectId": self.catalog.project_id,
            "name": name,
            "dataType": data_type,
            "value": value,
            "source": source,
            "timestamp": iso_ms(timestamp_ms),
            "environment": environment,
            "createdAt": iso_ms(created),
            "updatedAt": iso_ms(updated),
            "comment": comment,
            "configId": config["id"] if config is not None and config["dataType"] == data_type else None,
            "metadata": metadata if metadata is not None else {},
            "authorUserId": author,
            "queueId": queue_id,
            "subject": subject,
        }

    def _judge_metadata(self, evaluator: str) -> dict[str, Any]:
        row = self.catalog.evaluators.get(evaluator)
        rule = next(
            (
                r
                for r in self.catalog.evaluation_rules
                if row and any(a.get("evaluatorId") == row["id"] for a in r.get("evaluatorAssignments") or [])
            ),
            None,
        )
        return {
            "evaluatorId": row["id"] if row else None,
            "evaluationRuleId": rule["id"] if rule else None,
            "executionTraceId": trace_id(self.rng),
            "judge": {"model": "gpt-4o-mini", "latency_ms": self.rng.randint(400, 4000)},
        }

    def for_trace(self, built: BuiltTrace, ingested_ms: int | None = None) -> list[Row]:
        """Live evaluation and user feedback on one production trace."""
        rng = self.rng
        trace = built.trace
        env = trace["environment"]
        done = [row for row in built.observations if row["endTime"] is not None]
        answers = [
            row
            for row in done
            if row["type"] == "GENERATION" and row["name"] in ("generate-answer", "final-answer")
        ]
        rows: list[Row] = []
        if answers and env == "production" and rng.random() < 0.25:  # the rule samples 25%
            target = answers[-1]
            at = parse_iso_ms(target["endTime"]) + rng.randint(5_000, 120_000)
            helpful = round(min(1.0, max(0.0, rng.gauss(0.78, 0.18))), 3)
            rows.append(
                self.score(
                    name="helpfulness",
                    data_type="NUMERIC",
                    value=helpful,
                    source="EVAL",
                    subject=observation_subject(target),
                    environment=env,
                    timestamp_ms=at,
                    comment=rng.choice(text.JUDGE_REASONS),
                    metadata=self._judge_metadata("Helpfulness judge"),
                    ingested_ms=ingested_ms,
                )
            )
            rows.append(
                self.score(
                    name="hallucination",
                    data_type="BOOLEAN",
                    value=rng.random() < 0.12,
                    source="EVAL",
                    subject=observation_subject(target),
                    environment=env,
                    timestamp_ms=at + rng.randint(0, 2000),
                    comment=rng.choice(text.JUDGE_REASONS),
                    metadata=self._judge_metadata("Hallucination judge"),
                    ingested_ms=ingested_ms,
                )
            )
        if not done:
            return rows
        trace_end = max(parse_iso_ms(row["endTime"]) for row in done)
        if rng.random() < 0.15:
            rows.append(
                self.score(
                    name="user_feedback",
                    data_type="BOOLEAN",
                    value=rng.random() < 0.7,
                    source="API",
                    subject=trace_subject(trace["id"]),
                    environment=env,
                    timestamp_ms=trace_end + rng.randint(2_000, 300_000),
                    comment=rng.choice(USER_COMMENTS),
                    metadata={"widget": "thumbs", "page": "/chat"},
                    ingested_ms=ingested_ms,
                )
            )
        if rng.random() < 0.03:
            rows.append(
                self.score(
                    name="feedback_text",
                    data_type="TEXT",
                    value=rng.choice([c for c in USER_COMMENTS if c]),
                    source="API",
                    subject=trace_subject(trace["id"]),
                    environment=env,
                    timestamp_ms=trace_end + rng.randint(2_000, 300_000),
                    ingested_ms=ingested_ms,
                )
            )
        if rng.random() < 0.05:
            rows.append(
                self.score(
                    name="tone",
                    data_type="CATEGORICAL",
                    value=rng.choice(["friendly", "friendly", "neutral", "rude"]),
                    source="EVAL",
                    subject=trace_subject(trace["id"]),
                    environment=env,
                    timestamp_ms=trace_end + rng.randint(5_000, 60_000),
                    comment=rng.choice(text.JUDGE_REASONS),
                    metadata=self._judge_metadata("Tone classifier"),
                    ingested_ms=ingested_ms,
                )
            )
        return rows

    def for_session(self, session_id: str, environment: str, last_trace_end_ms: int) -> Row:
        """A post-chat CSAT survey answer for a whole conversation."""
        return self.score(
            name="csat",
            data_type="NUMERIC",
            value=float(self.rng.choice([1, 3, 4, 5, 5])),
            source="API",
            subject=session_subject(session_id),
            environment=environment,
            timestamp_ms=last_trace_end_ms + self.rng.randint(10_000, 600_000),
            metadata={"survey": "post-chat-v2"},
        )

    def for_annotation(
        self, object_type: str, object_row: Row, environment: str, queue_id: str, author: str, at_ms: int
    ) -> list[Row]:
        """The scores a reviewer leaves when completing an annotation queue item."""
        rng = self.rng
        common = {
            "source": "ANNOTATION",
            "environment": environment,
            "timestamp_ms": at_ms,
            "author": author,
            "queue_id": queue_id,
        }
        if object_type == "TRACE":
            subject = trace_subject(object_row["id"])
            return [
                self.score(
                    name="quality",
                    data_type="CATEGORICAL",
                    value=rng.choice(["good", "acceptable", "bad"]),
                    subject=subject,
                    **common,
                ),
                self.score(
                    name="correctness",
                    data_type="NUMERIC",
                    value=float(rng.randint(0, 10)),
                    subject=subject,
                    comment=rng.choice(text.JUDGE_REASONS),
                    **common,
                ),
            ]
        if object_type == "OBSERVATION":
            subject = observation_subject(object_row)
            return [
                self.score(
                    name="hallucination",
                    data_type="BOOLEAN",
                    value=rng.random() < 0.4,
                    subject=subject,
                    **common,
                ),
                self.score(
                    name="correction",
                    data_type="CORRECTION",
                    value=text.answer(rng, 2),
                    subject=subject,
                    comment="Corrected answer ✍️",
                    **common,
                ),
            ]
        subject = session_subject(object_row["id"])
        return [
            self.score(
                name="reviewer_notes",
                data_type="TEXT",
                value=rng.choice(text.JUDGE_REASONS) + "\n— " + rng.choice(text.ANSWER_SENTENCES),
                subject=subject,
                **common,
            ),
            self.score(
                name="quality",
                data_type="CATEGORICAL",
                value=rng.choice(["good", "acceptable"]),
                subject=subject,
                **common,
            ),
        ]
