"""Usage, cost and timing fields of an observation, derived the way Langfuse derives them.

Kept apart from the factories because the mutation helpers recompute the same fields when late data
(an endTime, a usage report) arrives for an existing observation.
"""

from __future__ import annotations

import re
from typing import Any

from simulator.gen_common import money, parse_iso_ms, price_string
from simulator.store import Row


def flat_prices(model: Row) -> dict[str, float]:
    """Legacy flat pricing: the ``prices`` map, else the deprecated input/output/total price fields."""
    prices = {key: entry["price"] for key, entry in (model.get("prices") or {}).items()}
    if not prices:
        legacy = {
            "input": model.get("inputPrice"),
            "output": model.get("outputPrice"),
            "total": model.get("totalPrice"),
        }
        prices = {key: price for key, price in legacy.items() if price is not None}
    return prices


def select_tier(model: Row, usage: dict[str, int]) -> dict[str, Any]:
    """The first conditional tier (by priority) whose conditions all hold, else the default tier.

    A model without tiers prices flat (per the spec); that pseudo-tier has no name.
    """
    if not model.get("pricingTiers"):
        return {"name": None, "prices": flat_prices(model)}
    tiers = sorted(model["pricingTiers"], key=lambda tier: tier["priority"])
    for tier in tiers:
        if tier["isDefault"]:
            continue
        if all(_condition_holds(condition, usage) for condition in tier["conditions"]):
            return tier
    return next(tier for tier in tiers if tier["isDefault"])


def _condition_holds(condition: dict[str, Any], usage: dict[str, int]) -> bool:
    flags = 0 if condition.get("caseSensitive") else re.IGNORECASE
    pattern = re.compile(condition["usageDetailPattern"], flags)
    total = sum(value for key, value in usage.items() if key != "total" and pattern.search(key))
    threshold = condition["value"]
    return {
        "gt": total > threshold,
        "gte": total >= threshold,
        "lt": total < threshold,
        "lte": total <= threshold,
        "eq": total == threshold,
        "neq": total != threshold,
    }[condition["operator"]]


def price_usage(model: Row | None, usage: dict[str, int]) -> tuple[str | None, dict[str, float]]:
    """Cost per usage key = units x the tier's price for that key; ``total`` is their sum.

    A model priced only per total unit (no per-type prices that match) costs ``total`` x that price.
    """
    if model is None or not usage:
        return None, {}
    tier = select_tier(model, usage)
    prices = tier["prices"]
    costs = {
        key: money(units * prices[key]) for key, units in usage.items() if key != "total" and key in prices
    }
    if costs:
        costs["total"] = money(sum(costs.values()))
    elif "total" in prices and "total" in usage:
        costs = {"total": money(usage["total"] * prices["total"])}
    return tier["name"], costs


def apply_usage(row: Row, usage: dict[str, int], costs: dict[str, float]) -> None:
    """Set the usage group, with the totals derived as Langfuse's ``reduceUsageOrCostDetails`` does."""
    row["usageDetails"] = usage
    row["costDetails"] = costs
    row["totalCost"] = costs.get("total", 0.0) if costs else 0.0
    row["inputUsage"] = sum(v for k, v in usage.items() if k.startswith("input"))
    row["outputUsage"] = sum(v for k, v in usage.items() if k.startswith("output"))
    row["totalUsage"] = usage.get("total", 0)
    row["inputCost"] = _sum_or_none(v for k, v in costs.items() if k.startswith("input"))
    row["outputCost"] = _sum_or_none(v for k, v in costs.items() if k.startswith("output"))


def _sum_or_none(values: Any) -> float | None:
    values = list(values)
    return money(sum(values)) if values else None


def apply_model(row: Row, model: Row | None, tier_name: str | None) -> None:
    """The matched model's id and default-tier prices (decimal strings), as the ``model`` group returns them."""
    row["internalModelId"] = model["id"] if model else None
    row["modelId"] = model["id"] if model else None
    row["usagePricingTierName"] = tier_name
    prices: dict[str, float] = {}
    if model:
        tiers = model.get("pricingTiers") or []
        chosen = next((tier for tier in tiers if tier["name"] == tier_name), None) or next(
            (tier for tier in tiers if tier["isDefault"]), None
        )
        prices = chosen["prices"] if chosen else flat_prices(model)
    row["inputPrice"] = price_string(prices.get("input"))
    row["outputPrice"] = price_string(prices.get("output"))
    row["totalPrice"] = price_string(prices.get("total"))


def apply_timing(row: Row) -> None:
    """latency and timeToFirstToken in seconds, from the row's own timestamps."""
    start = parse_iso_ms(row["startTime"])
    row["latency"] = (parse_iso_ms(row["endTime"]) - start) / 1000 if row["endTime"] else None
    completion = row["completionStartTime"]
    row["timeToFirstToken"] = (parse_iso_ms(completion) - start) / 1000 if completion else None
