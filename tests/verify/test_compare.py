"""The comparison rules and the window, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipelines.verify import compare, resolve_window
from pipelines.verify_metrics import metrics_bounds


def test_counts_and_tokens_must_be_equal_and_costs_may_differ_by_rounding():
    langfuse = {("2026-11-02", "gpt-4o"): {"count": 3, "total_tokens": 120, "total_cost": 0.1 + 0.2}}
    warehouse = {("2026-11-02", "gpt-4o"): {"count": 3, "total_tokens": 120, "total_cost": 0.3}}
    [group] = compare("observations", langfuse, warehouse)
    assert group.matches

    warehouse = {("2026-11-02", "gpt-4o"): {"count": 3, "total_tokens": 119, "total_cost": 0.300001}}
    [group] = compare("observations", langfuse, warehouse)
    assert group.differing == ("total_tokens", "total_cost")


def test_a_group_only_one_side_has_is_compared_with_zeros():
    groups = compare("scores", {("2026-11-02", "helpfulness"): {"count": 2}},
                     {("2026-11-03", "helpfulness"): {"count": 1}})
    assert [(g.day, g.langfuse["count"], g.warehouse["count"]) for g in groups] == [
        ("2026-11-02", 2, 0), ("2026-11-03", 0, 1)]


def test_the_metrics_query_ends_one_millisecond_before_the_exclusive_window_end():
    since, until = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC)
    assert metrics_bounds(since, until) == ("2026-11-01T00:00:00.000Z", "2026-11-07T23:59:59.999Z")


def test_the_default_window_is_seven_whole_days_back_to_now_minus_the_settle_delay():
    now = datetime(2026, 11, 16, 12, 30, 15, 123456, tzinfo=UTC)
    window = resolve_window(None, None, now=now, settle_delay=timedelta(minutes=10))
    assert window.until == datetime(2026, 11, 16, 12, 20, 15, 123000, tzinfo=UTC)
    assert window.since == datetime(2026, 11, 9, tzinfo=UTC)


def test_a_window_must_start_before_it_ends():
    with pytest.raises(ValueError, match="not before"):
        resolve_window(datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
