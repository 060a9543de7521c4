"""LLM-as-judge and code evaluators, and the evaluation rules that assign them (the v2 shapes).

Each evaluator lists the rules that use it (``evaluationRuleAssignments``, newest first), and each rule
lists its evaluators, so the two endpoints agree.
"""

from __future__ import annotations

import random
from typing import Any

from simulator.gen_common import MS_PER_DAY, MS_PER_HOUR, cuid, iso_ms
from simulator.store import Row


def _judge(
    rng: random.Random,
    name: str,
    description: str,
    output: dict,
    model: dict | None,
    created_ms: int,
    creator: dict,
) -> Row:
    return {
        "id": cuid(rng),
        "name": name,
        "description": description,
        "createdBy": creator,
        "status": "active",
        "pausedAt": None,
        "pausedReason": None,
        "pausedMessage": None,
        "evaluationRuleAssignments": [],
        "createdAt": iso_ms(created_ms),
        "updatedAt": iso_ms(created_ms + 2 * MS_PER_DAY),
        "versionId": cuid(rng),
        "version": 2,
        "versionCreatedAt": iso_ms(created_ms + 2 * MS_PER_DAY),
        "versionCreatedBy": creator,
        "type": "llm_as_judge",
        "prompt": [
            {"role": "system", "content": f"You are a strict evaluator scoring {name.lower()}."},
            {
                "role": "user",
                "content": "Question: {{input}}\nAnswer: {{output}}\nReply with a score and a one-line reason.",
            },
        ],
        "variables": ["input", "output"],
        "variableMapping": [
            {"variable": "input", "source": "input", "jsonPath": None},
            {"variable": "output", "source": "output", "jsonPath": "$.content"},
        ],
        "modelConfig": model,
        "outputDefinition": output,
    }


def build_evaluators_and_rules(
    rng: random.Random, setup_ms: int, creators: list[dict], datasets: list[Row]
) -> tuple[dict[str, Row], list[Row]]:
    base = setup_ms + 2 * MS_PER_DAY
    helpfulness = _judge(
        rng,
        "Helpfulness judge",
        "Scores 0–1 how helpful the answer is.",
        {
            "dataType": "NUMERIC",
            "minValue": 0.0,
            "maxValue": 1.0,
            "scoreReasoningInstructions": "One sentence.",
            "scoreValueInstructions": "1 = fully helpful.",
        },
        {"provider": "openai", "model": "gpt-4o-mini"},
        base,
        creators[0],
    )
    hallucination = _judge(
        rng,
        "Hallucination judge",
        None,
        {"dataType": "BOOLEAN", "scoreReasoningInstructions": "Quote the unsupported claim."},
        None,
        base + MS_PER_HOUR,
        creators[1],
    )
    tone = _judge(
        rng,
        "Tone classifier",
        "Classifies the tone of the reply (丁寧さ).",
        {
            "dataType": "CATEGORICAL",
            "categories": ["friendly", "neutral", "rude"],
            "shouldAllowMultipleMatches": False,
        },
        {"provider": "anthropic", "model": "claude-3-5-haiku-20241022"},
        base + 2 * MS_PER_HOUR,
        creators[2],
    )
    tone |= {
        "status": "paused",
        "pausedAt": iso_ms(base + 9 * MS_PER_DAY),
        "pausedReason": "llm_connection_invalid",
        "pausedMessage": "The Anthropic API key was revoked.",
    }
    exact = {
        "id": cuid(rng),
        "name": "Exact match",
        "description": "Compares the output with the expected output.",
        "createdBy": None,
        "status": "active",
        "pausedAt": None,
        "pausedReason": None,
        "pausedMessage": None,
        "evaluationRuleAssignments": [],
        "createdAt": iso_ms(base + 3 * MS_PER_HOUR),
        "updatedAt": iso_ms(base + 3 * MS_PER_HOUR),
        "versionId": cuid(rng),
        "version": 1,
        "versionCreatedAt": iso_ms(base + 3 * MS_PER_HOUR),
        "versionCreatedBy": None,
        "type": "code",
        "sourceCode": "def evaluate(output, expected_output):\n    return {'value': float(output == expected_output)}\n",
        "sourceCodeLanguage": "PYTHON",
    }
    evaluators = {row["name"]: row for row in (helpfulness, hallucination, tone, exact)}
    rule_specs = [
        (
            "Judge production generations",
            True,
            0.25,
            [
                {"type": "stringOptions", "column": "type", "operator": "any of", "value": ["GENERATION"]},
                {
                    "type": "stringOptions",
                    "column": "environment",
                    "operator": "any of",
                    "value": ["production"],
                },
            ],
            [
                (helpfulness, None),
                (
                    hallucination,
                    [
                        {"variable": "input", "source": "input", "jsonPath": "$[-1].content"},
                        {"variable": "output", "source": "output", "jsonPath": None},
                    ],
                ),
            ],
        ),
        (
            "Experiment accuracy",
            True,
            1.0,
            [
                {"type": "boolean", "column": "isExperimentItemRootSpan", "operator": "=", "value": True},
                {
                    "type": "stringOptions",
                    "column": "datasetId",
                    "operator": "any of",
                    "value": [row["id"] for row in datasets[:2]],
                },
            ],
            [(exact, None)],
        ),
        (
            "Tone on web chats (disabled)",
            False,
            0.1,
            [
                {
                    "type": "stringObject",
                    "column": "metadata",
                    "key": "channel",
                    "operator": "=",
                    "value": "web",
                }
            ],
            [(tone, None)],
        ),
    ]
    rules = []
    for index, (name, enabled, sampling, filters, assignments) in enumerate(rule_specs):
        created = base + (index + 1) * MS_PER_DAY
        rule_id = cuid(rng)
        rules.append(
            {
                "id": rule_id,
                "name": name,
                "createdBy": creators[index % len(creators)],
                "enabled": enabled,
                "sampling": sampling,
                "filter": filters,
                "evaluatorAssignments": [
                    {"evaluatorId": ev["id"], "variableMapping": mapping} for ev, mapping in assignments
                ],
                "createdAt": iso_ms(created),
                "updatedAt": iso_ms(created + (index * 3) * MS_PER_DAY),
            }
        )
        for ev, mapping in assignments:
            assignment: dict[str, Any] = {"evaluationRuleId": rule_id}
            if mapping is not None:
                assignment["variableMappingOverride"] = mapping
            ev["evaluationRuleAssignments"].insert(0, assignment)  # newest assignment first
    return evaluators, rules
