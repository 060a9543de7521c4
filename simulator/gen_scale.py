"""Catalogs at the size real projects have them, so a client's paging loops go past their first page.

Langfuse Cloud's ``/models`` alone lists well over a hundred Langfuse-managed models, whatever the
project; teams keep hundreds of prompts, datasets with thousands of items and hundreds of comments.
The rows here come on top of the hand-written catalog (``gen_catalog``), each from its own random
stream, so the rest of the data set is unchanged. Sizes follow ``traces`` (the default test data sets
stay small and fast) but managed models, which every project sees the same: always more than a page.
"""

from __future__ import annotations

import random
import re

from simulator.gen_common import MS_PER_DAY, MS_PER_MINUTE, cuid, iso_ms, parse_iso_ms, uuid_str
from simulator.store import Row

# Managed model families Langfuse prices; none of them matches a model name the traces use.
_FAMILIES = (
    "mistral-large", "mistral-small", "codestral", "llama-3.1", "llama-3.3", "qwen-2.5", "deepseek-v3",
    "deepseek-r1", "command-r", "command-r-plus", "titan-text", "nova-pro", "nova-lite", "jamba-1.5",
)
_VARIANTS = ("", "-instruct", "-latest", "-2407", "-2411", "-2501", "-8b", "-70b", "-405b")
MANAGED_MODELS = len(_FAMILIES) * len(_VARIANTS)  # 126: more than the largest page (100)


def managed_models(rng: random.Random, setup_ms: int) -> list[Row]:
    rows = []
    for family in _FAMILIES:
        for variant in _VARIANTS:
            name = family + variant
            price_in = round(rng.uniform(0.05, 8) * 1e-6, 12)
            price_out = round(price_in * rng.choice((2, 3, 4, 5)), 12)
            prices = {"input": price_in, "output": price_out}
            rows.append({
                "id": cuid(rng),
                "modelName": name,
                "matchPattern": "(?i)^(langfuse-managed/)?(" + re.escape(name) + ")$",
                "startDate": None,
                "unit": "TOKENS",
                "inputPrice": price_in,
                "outputPrice": price_out,
                "totalPrice": None,
                "tokenizerId": None,
                "tokenizerConfig": None,
                "isLangfuseManaged": True,
                "createdAt": iso_ms(setup_ms - rng.randrange(400, 700) * MS_PER_DAY),
                "prices": {key: {"price": price} for key, price in prices.items()},
                "pricingTiers": [{"id": cuid(rng), "name": "Standard", "isDefault": True, "priority": 0,
                                  "conditions": [], "prices": dict(prices)}],
            })
    return rows


def more_prompts(rng: random.Random, project_id: str, setup_ms: int, count: int) -> list[Row]:
    """``count`` prompt names (support macros), each with two to four versions."""
    rows = []
    for index in range(count):
        name = f"macros/{('billing', 'shipping', 'account', 'returns')[index % 4]}-{index:04d}"
        versions = rng.choice((2, 2, 3, 4))
        created = setup_ms + rng.randrange(30 * MS_PER_DAY)
        for version in range(1, versions + 1):
            last = version == versions
            rows.append({
                "id": cuid(rng),
                "createdAt": iso_ms(created),
                "updatedAt": iso_ms(created + (0 if last else MS_PER_DAY)),
                "projectId": project_id,
                "createdBy": "API",
                "type": "text",
                "prompt": f"Macro {index} v{version}: answer the customer about {{{{topic}}}} politely.",
                "name": name,
                "version": version,
                "config": {},
                "labels": ["production", "latest"] if last else [],
                "tags": ["macro"],
                "commitMessage": None,
                "resolutionGraph": None,
            })
            created += MS_PER_DAY + rng.randrange(MS_PER_DAY)
    return rows


def more_dataset_items(rng: random.Random, datasets: list[Row], per_dataset: int) -> list[Row]:
    """Items no experiment has run yet (imported in bulk: a few share a creation millisecond)."""
    rows = []
    for dataset in datasets:
        created = int(rng.uniform(1, 2) * MS_PER_DAY) + parse_iso_ms(dataset["createdAt"])
        for index in range(per_dataset):
            if index % 10:
                created += rng.randrange(MS_PER_MINUTE)
            rows.append({
                "id": uuid_str(rng),
                "status": "ACTIVE",
                "input": {"question": f"Imported ticket #{index} of {dataset['name']}"},
                "expectedOutput": None,
                "metadata": {"import": "bulk", "row": index},
                "sourceTraceId": None,
                "sourceObservationId": None,
                "datasetId": dataset["id"],
                "datasetName": dataset["name"],
                "createdAt": iso_ms(created),
                "updatedAt": iso_ms(created),
                "mediaReferences": [],
            })
    return rows

