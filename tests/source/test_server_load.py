"""Without a plan, requests in flight stop growing where the server's answers start slowing down
(sources/langfuse/server_load.py): a distant server keeps every request the sync wants, a loaded one
gets about what it can serve at once."""

from __future__ import annotations

import math
import random
import time

from sources.langfuse.concurrency import DEFAULT_WORKERS, Concurrency
from sources.langfuse.http import LangfuseClient
from sources.langfuse.server_load import Answer, ServerLoad

PAGE = ("/v2/observations", 1_000)


def serve(load: ServerLoad, rounds: int, capacity: int | None, wanted: int = 24, seed: int = 3) -> list[int]:
    """Rounds of as many full pages as the limit allows, all sent at once and answered in 0.8 s each
    (±25 % jitter), or in_flight / capacity times that past the server's capacity. The limit after each."""
    draws = random.Random(seed)
    limits = []
    in_flight = 2  # a read starts with two, as the sync does
    for _ in range(rounds):
        sent_at = time.monotonic()
        slowdown = max(1.0, in_flight / capacity) if capacity else 1.0
        for _ in range(in_flight):
            seconds = 0.8 * slowdown * math.exp(draws.gauss(0, 0.25))
            load.full_page(*PAGE, Answer(sent_at, seconds, sent_with=in_flight))
        in_flight = min(wanted, load.limit)
        limits.append(in_flight)
    return limits


def test_a_server_that_does_not_slow_down_keeps_every_request_the_sync_wants():
    load = ServerLoad(ceiling=24)
    assert set(serve(load, rounds=60, capacity=None)) == {24}
    assert load.cuts == 0


def test_a_loaded_server_gets_about_what_it_serves_at_once():
    load = ServerLoad(ceiling=24)
    limits = serve(load, rounds=60, capacity=4)
    assert load.cuts >= 1
    # 24 would make every answer 6x slower for no more rows; kept within twice what it serves at once
    # (the tolerance that keeps jitter from reading as load), never starved below it.
    assert all(4 <= n <= 2 * 4 for n in limits[-20:])


def test_answers_sent_before_a_cut_do_not_cut_again():
    load = ServerLoad(ceiling=24)
    sent_at = time.monotonic()
    for _ in range(10):
        load.full_page(*PAGE, Answer(sent_at, 0.8, sent_with=2))  # unloaded (and a first decision: no change)
    sent_at = time.monotonic()
    for _ in range(10):
        load.full_page(*PAGE, Answer(sent_at, 3.2, sent_with=24))  # 4x slower with 24 out: cut
    cut = load.limit
    assert cut == math.floor(24 * 1.2 / 4) == 7
    for _ in range(30):  # the rest of those 24, answered after the cut: they say nothing new
        load.full_page(*PAGE, Answer(sent_at, 3.2, sent_with=24))
    assert load.limit == cut and load.cuts == 1


def test_the_automatic_target_never_exceeds_what_the_server_answered_without_slowing():
    client = LangfuseClient("http://localhost:1", "pk", "sk")
    try:
        for _ in range(20):
            with client.stats.request():
                time.sleep(0.001)
        client.stats._latencies.extend([2.0] * 20)  # a distant server: 2 s an answer wants the most in flight
        assert Concurrency().target(client) == DEFAULT_WORKERS
        client.server_load._limit = 3
        assert Concurrency().target(client) == 3
        assert Concurrency(fixed=12).target(client) == 12  # --concurrency N is the user's word
    finally:
        client.close()
