"""`langfuse-warehouse verify`: reconcile the warehouse with the numbers Langfuse itself reports.

For each project, over one window, two checks:

* observations per (day, model): count, input/output/total tokens and total cost;
* scores per (day, name): count, for the types the metrics views cover (NUMERIC, BOOLEAN,
  CATEGORICAL). TEXT and CORRECTION scores are in no metrics view: they are counted and reported
  as not verified.

Langfuse's side comes from its metrics query (``verify_metrics``), the warehouse's from the raw
tables (``verify_warehouse``). Counts and tokens must be equal; costs may differ by float rounding
(the server sums Decimal(18, 12), the warehouse doubles).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pipelines import verify_metrics
from pipelines.verify_metrics import Aggregates
from pipelines.verify_warehouse import Warehouse
from sources.langfuse import LangfuseProject, connect, detect_api
from sources.langfuse import settings as source_settings
from sources.langfuse.http import LangfuseClient, RetryPolicy
from sources.langfuse.windows import floor_ms, format_ts

DEFAULT_DAYS = 7
# Float rounding allowance on costs: a Decimal(18, 12) cost is exact to 5e-13 per row, and a double
# sum of a day's costs drifts by far less than 1e-9 of its value.
COST_ABS_TOLERANCE = 1e-9
COST_REL_TOLERANCE = 1e-9
FLOAT_MEASURES = frozenset({"total_cost"})

CHECKS = {"observations": "observations per day and model", "scores": "scores per day and name"}


@dataclass(frozen=True)
class VerifyWindow:
    since: datetime  # inclusive
    until: datetime  # exclusive, like every warehouse window


def resolve_window(since: datetime | None, until: datetime | None, *, now: datetime | None = None,
                   settle_delay: timedelta = source_settings.DEFAULT_SETTLE_DELAY) -> VerifyWindow:
    """``[since, until)``; by default the last ``DEFAULT_DAYS`` days up to now minus the settle delay.

    The default start is a UTC midnight so the first day compared is a whole day (the end cannot be:
    the most recent minutes are still being ingested). Both bounds are floored to milliseconds, the
    precision of Langfuse timestamps, so both sides select the same rows.
    """
    if until is None:
        until = (now or datetime.now(UTC)) - settle_delay
    until = floor_ms(until)
    if since is None:
        since = (until - timedelta(days=DEFAULT_DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    since = floor_ms(since)
    if since >= until:
        raise ValueError(f"the window start {format_ts(since)} is not before its end {format_ts(until)}")
    return VerifyWindow(since, until)


@dataclass(frozen=True)
class Group:
    """One compared group: a (day, model) of observations or a (day, name) of scores."""

    check: str  # a key of CHECKS
    day: str
    label: str | None  # model or score name; None: observations without a model
    langfuse: dict[str, float]
    warehouse: dict[str, float]
    differing: tuple[str, ...]  # measures beyond rounding

    @property
    def matches(self) -> bool:
        return not self.differing


@dataclass
class ProjectVerification:
    project_id: str
    groups: list[Group] = field(default_factory=list)
    unverified_scores: dict[str, int] = field(default_factory=dict)  # data type -> scores in the window

    @property
    def differences(self) -> list[Group]:
        return [group for group in self.groups if not group.matches]


@dataclass
class VerifyReport:
    api: str
    window: VerifyWindow
    projects: list[ProjectVerification]

    @property
    def ok(self) -> bool:
        return all(not project.differences for project in self.projects)


def same(measure: str, langfuse: float, warehouse: float) -> bool:
    if measure in FLOAT_MEASURES:
        return math.isclose(langfuse, warehouse, rel_tol=COST_REL_TOLERANCE, abs_tol=COST_ABS_TOLERANCE)
    return langfuse == warehouse


def compare(check: str, langfuse: Aggregates, warehouse: Aggregates) -> list[Group]:
    """Every group either side has; a group one side lacks counts as zeros there."""
    groups = []
    for key in sorted(langfuse.keys() | warehouse.keys(), key=lambda k: (k[0], k[1] is not None, k[1] or "")):
        theirs, ours = langfuse.get(key, {}), warehouse.get(key, {})
        measures = list(dict.fromkeys([*theirs, *ours]))
        theirs = {m: float(theirs.get(m) or 0) for m in measures}
        ours = {m: float(ours.get(m) or 0) for m in measures}
        differing = tuple(m for m in measures if not same(m, theirs[m], ours[m]))
        groups.append(Group(check, key[0], key[1], theirs, ours, differing))
    return groups


def verify(projects: Sequence[LangfuseProject], database: str, dataset: str, window: VerifyWindow, *,
           api: str = "auto", retry: RetryPolicy | None = None,
           timeout: float = source_settings.REQUEST_TIMEOUT_SECONDS, destination: str = "duckdb") -> VerifyReport:
    """Compare each project's numbers in Langfuse with the warehouse's raw tables (DuckDB or local Parquet)."""
    results = []
    with Warehouse(database, dataset, destination) as warehouse:
        for project in projects:
            connection = connect(project, retry=retry, timeout=timeout)
            try:
                if api == "auto":
                    api = detect_api(connection.client)
                results.append(_verify_project(connection.client, api, connection.project_id, warehouse, window))
            finally:
                connection.client.close()
    return VerifyReport(api=api, window=window, projects=results)


def _verify_project(client: LangfuseClient, api: str, project_id: str, warehouse: Warehouse, window: VerifyWindow
                    ) -> ProjectVerification:
    since, until = window.since, window.until
    result = ProjectVerification(project_id)
    result.groups += compare("observations", verify_metrics.observation_aggregates(client, api, since, until),
                             warehouse.observation_aggregates(project_id, since, until))
    result.groups += compare("scores", verify_metrics.score_counts(client, api, since, until),
                             warehouse.score_counts(project_id, since, until))
    result.unverified_scores = warehouse.uncountable_scores(project_id, since, until)
    return result


# --- the printed report -----------------------------------------------------------------------------


def _number(measure: str, value: float) -> str:
    return f"{value:.9f}".rstrip("0").rstrip(".") if measure in FLOAT_MEASURES else f"{int(value):,}"


def format_report(report: VerifyReport, show_matches: bool = False) -> str:
    """Per project, a summary per check and a table of every differing (or, if asked, every) group."""
    lines = [f"Langfuse ({report.api} API) vs warehouse, {format_ts(report.window.since)} up to "
             f"{format_ts(report.window.until)} (excluded)"]
    for project in report.projects:
        lines += ["", f"project {project.project_id}",
                  f"  {'check':<32} {'groups':>7} {'match':>7} {'differ':>7}"]
        for check, title in CHECKS.items():
            groups = [g for g in project.groups if g.check == check]
            differ = sum(1 for g in groups if not g.matches)
            lines.append(f"  {title:<32} {len(groups):>7} {len(groups) - differ:>7} {differ:>7}")
        if project.unverified_scores:
            kinds = ", ".join(f"{count} {kind}" for kind, count in project.unverified_scores.items())
            lines.append(f"  not verified: {kinds} score(s); no metrics view counts these types")
        shown = project.groups if show_matches else project.differences
        if shown:
            lines += ["", f"  {'check':<13} {'day':<10}  {'model / score name':<32} {'measure':<13} "
                          f"{'langfuse':>16} {'warehouse':>16}"]
            for group in shown:
                for measure in (group.langfuse if show_matches else group.differing):
                    flag = "" if measure not in group.differing else "  differs"
                    label = group.label if group.label is not None else "(none)"
                    lines.append(f"  {group.check:<13} {group.day:<10}  {label:<32} {measure:<13} "
                                 f"{_number(measure, group.langfuse[measure]):>16} "
                                 f"{_number(measure, group.warehouse[measure]):>16}{flag}")
    if not report.ok:
        verdict = f"{sum(len(p.differences) for p in report.projects)} group(s) differ."
    elif not any(p.groups for p in report.projects):
        verdict = "Neither side has data in this window: nothing to compare."
    else:
        verdict = "Everything matches."
    lines += ["", verdict]
    return "\n".join(lines)
