"""Order models so each is built after everything it reads."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from typing import Any


class DependencyCycleError(ValueError):
    """Models that read each other in a loop; `cycle` lists them in order, first repeated at the end."""

    def __init__(self, cycle: list[str]):
        self.cycle = cycle
        super().__init__("dependency cycle between models: " + " -> ".join(cycle))


def _find_cycle(dependencies: Mapping[str, Iterable[str]], among: set[str]) -> list[str]:
    path: list[str] = []
    finished: set[str] = set()

    def visit(name: str) -> list[str] | None:
        if name in path:
            return path[path.index(name) :] + [name]
        if name in finished:
            return None
        path.append(name)
        for upstream in sorted(set(dependencies.get(name, ())) & among):
            cycle = visit(upstream)
            if cycle:
                return cycle
        path.pop()
        finished.add(name)
        return None

    for name in sorted(among):
        cycle = visit(name)
        if cycle:
            return cycle
    return sorted(among)  # unreachable when `among` really holds a cycle


def build_order(
    dependencies: Mapping[str, Iterable[str]],
    priority: Callable[[str], Any] = lambda name: 0,
) -> list[str]:
    """Topological order; among models ready at the same time, lowest (priority, name) first.

    With priority = layer index this lists staging, then intermediate, then marts wherever the
    dependencies allow, so build logs read top-down and runs are reproducible.
    """
    upstream_of = {name: set(deps) & set(dependencies) for name, deps in dependencies.items()}
    downstream_of: dict[str, set[str]] = {name: set() for name in dependencies}
    for name, upstreams in upstream_of.items():
        for upstream in upstreams:
            downstream_of[upstream].add(name)
    waiting_on = {name: len(upstreams) for name, upstreams in upstream_of.items()}
    ready = [(priority(name), name) for name, count in waiting_on.items() if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, name = heapq.heappop(ready)
        order.append(name)
        for downstream in downstream_of[name]:
            waiting_on[downstream] -= 1
            if waiting_on[downstream] == 0:
                heapq.heappush(ready, (priority(downstream), downstream))
    if len(order) < len(upstream_of):
        raise DependencyCycleError(_find_cycle(upstream_of, set(upstream_of) - set(order)))
    return order


def ancestors(name: str, dependencies: Mapping[str, Iterable[str]]) -> set[str]:
    """Every model `name` reads, directly or through others."""
    found: set[str] = set()
    pending = list(dependencies.get(name, ()))
    while pending:
        upstream = pending.pop()
        if upstream not in found and upstream in dependencies:
            found.add(upstream)
            pending.extend(dependencies[upstream])
    return found
