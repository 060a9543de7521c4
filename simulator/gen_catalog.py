"""The project's configuration entities: models, prompts, score configs, annotation queues, evaluators,
evaluation rules and datasets. Traces, scores and experiments refer to these rows by id.

``Catalog`` indexes them for the trace and score factories. It can be rebuilt from any ``Store``
(``Catalog.from_store``), so the mutation helpers generate late data that links to the same rows.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from simulator.gen_common import MS_PER_DAY, MS_PER_HOUR, cuid, iso_ms, parse_iso_ms
from simulator.gen_evaluators import build_evaluators_and_rules
from simulator.store import Row, Store

# name, managed, default-tier prices, tokenizer, provided aliases, start-date fraction of the range
_MODELS: list[tuple[str, bool, dict[str, float], str | None, str, float | None]] = [
    (
        "gpt-4o",
        True,
        {"input": 2.5e-6, "input_cached_tokens": 1.25e-6, "output": 1e-5},
        "openai",
        r"(?i)^(openai/)?(gpt-4o)(-\d{4}-\d{2}-\d{2})?$",
        None,
    ),
    (
        "gpt-4o-mini",
        True,
        {"input": 1.5e-7, "input_cached_tokens": 7.5e-8, "output": 6e-7},
        "openai",
        r"(?i)^(openai/)?(gpt-4o-mini)(-\d{4}-\d{2}-\d{2})?$",
        None,
    ),
    (
        "o3-mini",
        True,
        {"input": 1.1e-6, "input_cached_tokens": 5.5e-7, "output": 4.4e-6, "output_reasoning_tokens": 4.4e-6},
        "openai",
        r"(?i)^(openai/)?(o3-mini)(-\d{4}-\d{2}-\d{2})?$",
        None,
    ),
    (
        "claude-3-5-sonnet-20241022",
        True,
        {"input": 3e-6, "input_cache_read": 3e-7, "output": 1.5e-5},
        "claude",
        r"(?i)^(anthropic/)?(claude-3-5-sonnet-20241022)$",
        None,
    ),
    (
        "claude-3-5-haiku-20241022",
        True,
        {"input": 8e-7, "input_cache_read": 8e-8, "output": 4e-6},
        "claude",
        r"(?i)^(anthropic/)?(claude-3-5-haiku-20241022)$",
        None,
    ),
    (
        "gemini-2.0-flash",
        True,
        {"input": 1e-7, "output": 4e-7},
        None,
        r"(?i)^(google/)?(gemini-2.0-flash)(-\d{3})?$",
        None,
    ),
    (
        "text-embedding-3-small",
        True,
        {"input": 2e-8},
        "openai",
        r"(?i)^(openai/)?(text-embedding-3-small)$",
        None,
    ),
    (
        "ft:gpt-4o-mini:acme:support-v2",
        False,
        {"input": 3e-7, "output": 1.2e-6},
        "openai",
        r"(?i)^ft:gpt-4o-mini:acme:support-v2$",
        None,
    ),
    # The same model twice: a price cut mid-range, so cost depends on which row was valid at startTime.
    ("acme-llama-3-70b", False, {"input": 9e-7, "output": 9e-7}, None, r"(?i)^(acme/)?llama-3-70b$", None),
    ("acme-llama-3-70b", False, {"input": 6e-7, "output": 6e-7}, None, r"(?i)^(acme/)?llama-3-70b$", 0.45),
]
LARGE_CONTEXT_TOKENS = 128_000

# name, type, versions, tags
_PROMPTS = [
    ("rag-answer", "chat", 4, ["rag", "support"]),
    ("query-rewrite", "text", 3, ["rag"]),
    ("agent-system", "chat", 5, ["agent", "tools"]),
    ("agent-final-answer", "text", 2, ["agent"]),
    ("judge-helpfulness", "text", 2, ["eval", "llm-as-judge"]),
]
_COMMIT_MESSAGES = [
    "Initial version",
    "Tighten grounding instructions 📚",
    None,
    "Answer in the user's language (日本語, العربية…)",
    "Add few-shot examples",
    None,
]

# name, dataType, archived, extra fields
_SCORE_CONFIGS: list[tuple[str, str, bool, dict[str, Any]]] = [
    (
        "helpfulness",
        "NUMERIC",
        False,
        {"minValue": 0.0, "maxValue": 1.0, "description": "LLM-as-judge: did the answer help the user?"},
    ),
    (
        "correctness",
        "NUMERIC",
        False,
        {"minValue": 0.0, "maxValue": 10.0, "description": "Human review score, 0 (wrong) to 10 (perfect)."},
    ),
    (
        "accuracy",
        "NUMERIC",
        False,
        {"minValue": 0.0, "maxValue": 1.0, "description": "Experiment accuracy against the expected output."},
    ),
    (
        "hallucination",
        "BOOLEAN",
        False,
        {
            "categories": [{"value": 1.0, "label": "True"}, {"value": 0.0, "label": "False"}],
            "description": "Claims not supported by the context.",
        },
    ),
    (
        "tone",
        "CATEGORICAL",
        False,
        {
            "categories": [
                {"value": 2.0, "label": "friendly"},
                {"value": 1.0, "label": "neutral"},
                {"value": 0.0, "label": "rude"},
            ]
        },
    ),
    (
        "quality",
        "CATEGORICAL",
        False,
        {
            "categories": [
                {"value": 2.0, "label": "good"},
                {"value": 1.0, "label": "acceptable"},
                {"value": 0.0, "label": "bad"},
            ],
            "description": "Reviewer's overall verdict.",
        },
    ),
    (
        "reviewer_notes",
        "TEXT",
        False,
        {"description": "Free-text notes from the annotation queue (ملاحظات، メモ)."},
    ),
    (
        "legacy_stars",
        "NUMERIC",
        True,
        {"minValue": 1.0, "maxValue": 5.0, "description": "Archived: replaced by correctness."},
    ),
    (
        "old_sentiment",
        "CATEGORICAL",
        True,
        {"categories": [{"value": 1.0, "label": "positive"}, {"value": 0.0, "label": "negative"}]},
    ),
]

ANNOTATORS = [("Ana García", 0), ("Kenji Watanabe", 1), ("Fatima Al-Sayed", 2), ("Jonas Müller", 3)]


@dataclass
class Catalog:
    """Lookups over the configuration rows that generated traces and scores link to."""

    project_id: str
    models: list[Row]
    prompts: dict[str, list[Row]]  # versions in ascending order
    score_configs: dict[str, Row]
    queues: list[Row]
    evaluators: dict[str, Row]
    evaluation_rules: list[Row]
    annotators: list[str]
    _matches: dict[str, list[tuple[int, Row]]] = field(default_factory=dict, repr=False)
    _prompt_created: dict[str, list[int]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_store(cls, store: Store) -> Catalog:
        prompts: dict[str, list[Row]] = {}
        for row in sorted(store.prompts, key=lambda r: (r["name"], r["version"])):
            prompts.setdefault(row["name"], []).append(row)
        return cls(
            project_id=store.project_id,
            models=list(store.models),
            prompts=prompts,
            score_configs={row["name"]: row for row in store.score_configs},
            queues=list(store.annotation_queues),
            evaluators={row["name"]: row for row in store.evaluators},
            evaluation_rules=list(store.evaluation_rules),
            annotators=sorted(
                (
                    {score["authorUserId"] for score in store.scores}
                    | {(row.get("createdBy") or {}).get("id") for row in store.evaluators}
                )
                - {None}
            )
            or ["unknown-user"],
        )

    def model_for(self, provided_name: str, start_ms: int) -> Row | None:
        """The model row Langfuse would match: pattern match, newest startDate not after the start time."""
        candidates = self._matches.get(provided_name)
        if candidates is None:
            candidates = []
            for row in self.models:
                if re.match(row.get("matchPattern") or "(?!)", provided_name):
                    start = parse_iso_ms(row["startDate"]) if row.get("startDate") else 0
                    candidates.append((start, row))
            candidates.sort(key=lambda item: item[0], reverse=True)
            self._matches[provided_name] = candidates
        for start, row in candidates:
            if start <= start_ms:
                return row
        return None

    def prompt_for(self, rng: random.Random, name: str, start_ms: int) -> Row | None:
        """Usually the newest version that existed at ``start_ms``; sometimes an older pinned one."""
        created = self._prompt_created.get(name)
        if created is None:
            created = self._prompt_created[name] = [
                parse_iso_ms(row["createdAt"]) for row in self.prompts.get(name, [])
            ]
        versions = [
            row for row, at in zip(self.prompts.get(name, []), created, strict=True) if at <= start_ms
        ]
        if not versions:
            return None
        return versions[-1] if rng.random() < 0.8 else rng.choice(versions)


def build_catalog(
    rng: random.Random, project_id: str, start_ms: int, end_ms: int
) -> tuple[Catalog, dict[str, list[Row]]]:
    """Create every configuration row; returns the catalog and the rows by store field name."""
    span = end_ms - start_ms
    setup_ms = start_ms - 45 * MS_PER_DAY  # the project existed before the synced range
    annotators = [cuid(rng) for _ in ANNOTATORS]
    creators = [
        {"id": user_id, "name": name} for user_id, (name, _) in zip(annotators, ANNOTATORS, strict=True)
    ]

    models = _models(rng, setup_ms, start_ms, span)
    prompts = _prompts(rng, project_id, setup_ms, start_ms, span, creators)
    configs = _score_configs(rng, project_id, setup_ms, span)
    by_name = {row["name"]: row for row in configs}
    queues = _queues(rng, setup_ms, by_name)
    datasets = _datasets(rng, project_id, setup_ms)
    evaluators, rules = build_evaluators_and_rules(rng, setup_ms, creators, datasets)
    rows = {
        "models": models,
        "prompts": [version for versions in prompts.values() for version in versions],
        "score_configs": configs,
        "annotation_queues": queues,
        "datasets": datasets,
        "evaluators": list(evaluators.values()),
        "evaluation_rules": rules,
    }
    catalog = Catalog(project_id, models, prompts, by_name, queues, evaluators, rules, annotators)
    return catalog, rows


def _models(rng: random.Random, setup_ms: int, start_ms: int, span: int) -> list[Row]:
    rows = []
    for name, managed, prices, tokenizer, pattern, start_fraction in _MODELS:
        tiers = [
            {
                "id": cuid(rng),
                "name": "Standard",
                "isDefault": True,
                "priority": 0,
                "conditions": [],
                "prices": dict(prices),
            }
        ]
        if name.startswith("gemini"):
            tiers.append(
                {
                    "id": cuid(rng),
                    "name": "Large Context",
                    "isDefault": False,
                    "priority": 1,
                    "conditions": [
                        {
                            "usageDetailPattern": "^input",
                            "operator": "gt",
                            "value": float(LARGE_CONTEXT_TOKENS),
                            "caseSensitive": False,
                        }
                    ],
                    "prices": {key: price * 2 for key, price in prices.items()},
                }
            )
        start_date = iso_ms(start_ms + int(span * start_fraction)) if start_fraction is not None else None
        created = (
            setup_ms
            - (400 * MS_PER_DAY if managed else 0)
            + (int(span * start_fraction) if start_fraction else 0)
        )
        rows.append(
            {
                "id": cuid(rng),
                "modelName": name,
                "matchPattern": pattern,
                "startDate": start_date,
                "unit": "TOKENS",
                "inputPrice": prices.get("input"),
                "outputPrice": prices.get("output"),
                "totalPrice": None,
                "tokenizerId": tokenizer,
                "tokenizerConfig": {"tokenizerModel": name, "tokensPerMessage": 3, "tokensPerName": 1}
                if tokenizer == "openai"
                else None,
                "isLangfuseManaged": managed,
                "createdAt": iso_ms(created),
                "prices": {key: {"price": price} for key, price in prices.items()},
                "pricingTiers": tiers,
            }
        )
    return rows


def _prompt_body(rng: random.Random, name: str, kind: str, version: int) -> Any:
    if kind == "text":
        return (
            f"[{name} v{version}] Rewrite or answer the request below in the user's language.\n"
            "Request: {{question}}\nContext: {{context}}\n— Keep it short; cite sources like [1]. 🙂"
        )
    messages: list[dict[str, Any]] = [
        {
            "role": "system",
            "content": f"You are Acme's support assistant (v{version}). Answer in {{{{locale}}}}; never invent policies.",
            "type": "chatmessage",
        },
    ]
    if name == "agent-system" or version > 2:
        messages.append({"type": "placeholder", "name": "history"})
    messages.append(
        {"role": "user", "content": "Context:\n{{context}}\n\nQuestion: {{question}}", "type": "chatmessage"}
    )
    return messages


def _prompts(
    rng: random.Random, project_id: str, setup_ms: int, start_ms: int, span: int, creators: list[dict]
) -> dict[str, list[Row]]:
    prompts: dict[str, list[Row]] = {}
    for name, kind, count, tags in _PROMPTS:
        created = [setup_ms + rng.randrange(MS_PER_DAY)]
        for version in range(2, count + 1):
            created.append(start_ms + int(span * 0.9 * (version - 1) / count) + rng.randrange(MS_PER_HOUR))
        versions = []
        for version, created_ms in enumerate(created, start=1):
            is_last = version == count
            # In Langfuse moving a label touches the version it leaves: updatedAt moves to that moment.
            updated_ms = created[version] if not is_last else created_ms
            labels = ["latest"] if is_last else []
            if version == max(1, count - 1):
                labels.insert(0, "production")
            if is_last and count > 2:
                labels.append("staging")
            versions.append(
                {
                    "id": cuid(rng),
                    "createdAt": iso_ms(created_ms),
                    "updatedAt": iso_ms(updated_ms),
                    "projectId": project_id,
                    "createdBy": rng.choice(creators)["id"] if version > 1 else "API",
                    "type": kind,
                    "prompt": _prompt_body(rng, name, kind, version),
                    "name": name,
                    "version": version,
                    "config": {
                        "model": rng.choice(["gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet-20241022"]),
                        "temperature": round(0.1 * version, 1),
                        "max_tokens": 400 * version,
                    }
                    | (
                        {"response_format": {"type": "json_object"}}
                        if kind == "chat" and version % 2 == 0
                        else {}
                    ),
                    "labels": labels,
                    "tags": list(tags),
                    "commitMessage": _COMMIT_MESSAGES[(version - 1) % len(_COMMIT_MESSAGES)],
                    "resolutionGraph": None,
                }
            )
        prompts[name] = versions
    return prompts


def _score_configs(rng: random.Random, project_id: str, setup_ms: int, span: int) -> list[Row]:
    rows = []
    for index, (name, data_type, archived, extra) in enumerate(_SCORE_CONFIGS):
        created = setup_ms + index * MS_PER_HOUR
        rows.append(
            {
                "id": cuid(rng),
                "name": name,
                "createdAt": iso_ms(created),
                "updatedAt": iso_ms(created + (30 * MS_PER_DAY if archived else 0)),
                "projectId": project_id,
                "dataType": data_type,
                "isArchived": archived,
                "minValue": extra.get("minValue"),
                "maxValue": extra.get("maxValue"),
                "categories": extra.get("categories"),
                "description": extra.get("description"),
            }
        )
    return rows


def _queues(rng: random.Random, setup_ms: int, configs: dict[str, Row]) -> list[Row]:
    specs = [
        ("Support quality review", "Weekly sample of production chats.", ["quality", "correctness"]),
        ("Hallucination triage", "Generations flagged by the hallucination judge 🔎", ["hallucination"]),
        ("Session review / レビュー", None, ["reviewer_notes", "quality"]),
    ]
    rows = []
    for index, (name, description, config_names) in enumerate(specs):
        created = setup_ms + (index + 10) * MS_PER_HOUR
        rows.append(
            {
                "id": cuid(rng),
                "name": name,
                "description": description,
                "scoreConfigIds": [configs[n]["id"] for n in config_names],
                "createdAt": iso_ms(created),
                "updatedAt": iso_ms(created + index * MS_PER_DAY),
            }
        )
    return rows


def _datasets(rng: random.Random, project_id: str, setup_ms: int) -> list[Row]:
    question_schema = {
        "type": "object",
        "properties": {"question": {"type": "string"}, "locale": {"type": "string"}},
        "required": ["question"],
    }
    specs = [
        (
            "support-faq",
            "Golden questions from support, with reviewed answers.",
            {"owner": "support-team", "source": "zendesk"},
            question_schema,
        ),
        ("agent-tasks", "Multi-step tasks for the tool-using agent 🤖", {"owner": "agents"}, None),
        ("regression/ja-zh", "CJK regression set (日本語・中文)", {}, None),
    ]
    rows = []
    for index, (name, description, metadata, schema) in enumerate(specs):
        created = setup_ms + (index + 20) * MS_PER_HOUR
        rows.append(
            {
                "id": cuid(rng),
                "name": name,
                "description": description,
                "metadata": metadata,
                "inputSchema": schema,
                "expectedOutputSchema": None,
                "projectId": project_id,
                "createdAt": iso_ms(created),
                "updatedAt": iso_ms(created + index * MS_PER_HOUR),
            }
        )
    return rows
