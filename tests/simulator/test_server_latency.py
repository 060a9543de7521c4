"""Modelled latency (simulator.latency): a per-request base plus per-row and per-byte costs with seeded
jitter, switchable, and requests in flight served concurrently, with the peak in flight in the stats."""

from __future__ import annotations

import statistics
import threading
import time

import httpx
import pytest

from simulator import Latency, Simulator
from simulator.__main__ import _parser
from simulator.latency import LatencyClock

OBSERVATIONS = "/api/public/v2/observations"
ALL_FIELDS = "core,basic,time,io,metadata,model,usage,prompt,metrics,trace_context"


def timed_get(client: httpx.Client, path: str, **params) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = client.get(path, params=params)
    return response, time.perf_counter() - started


# --- the model ------------------------------------------------------------------------------------


def test_the_delay_is_a_base_plus_a_cost_per_row_and_per_megabyte():
    latency = Latency(base_ms=100, per_row_ms=0.5, per_mb_ms=200)
    assert latency.seconds(0, 0) == pytest.approx(0.100)
    assert latency.seconds(1_000, 0) == pytest.approx(0.600)
    assert latency.seconds(1_000, 2_000_000) == pytest.approx(1.000)


def test_jitter_is_seeded_spread_around_the_mean_with_a_long_right_tail():
    first, again, other = LatencyClock(7, "realistic"), LatencyClock(7, "realistic"), LatencyClock(8, "realistic")
    draws = [first.remaining(1_000, 2_000_000, 0) for _ in range(400)]
    assert draws[:50] == [again.remaining(1_000, 2_000_000, 0) for _ in range(50)]  # the same seed replays
    assert draws[:50] != [other.remaining(1_000, 2_000_000, 0) for _ in range(50)]
    mean = Latency.realistic().seconds(1_000, 2_000_000)
    assert statistics.fmean(draws) == pytest.approx(mean, rel=0.05)
    assert min(draws) > 0.4 * mean and max(draws) > 1.5 * mean > 1.5 * statistics.median(draws) * 0.95


def test_past_its_capacity_every_answer_takes_in_flight_over_capacity_times_as_long():
    latency = Latency(base_ms=100, capacity=4)
    assert latency.seconds(0, 0, in_flight=1) == latency.seconds(0, 0, in_flight=4) == pytest.approx(0.100)
    assert latency.seconds(0, 0, in_flight=8) == pytest.approx(0.200)
    assert Latency(base_ms=100).seconds(0, 0, in_flight=100) == pytest.approx(0.100)  # 0: unlimited
    assert Latency.of({"preset": "realistic", "capacity": 3}).capacity == 3
    assert _parser().parse_args(["serve", "--latency", "realistic", "--capacity", "6"]).capacity == 6


def test_the_simulators_own_work_counts_towards_the_delay():
    clock = LatencyClock(1, {"baseMs": 300})
    assert clock.remaining(0, 0, elapsed_seconds=0.1) == pytest.approx(0.2)
    assert clock.remaining(0, 0, elapsed_seconds=0.5) == 0


def test_realistic_latency_is_calibrated_on_a_full_observations_page(generated_sim, client_for):
    """Issue 14: Langfuse Cloud answers a 1,000-row /v2/observations page with every field group in
    ~800 ms. The generated data's bytes per row, scaled to a 1,000-row page, give that delay."""
    bytes_per_row, cursor = [], None
    with client_for(generated_sim) as client:
        while True:
            page = client.get(OBSERVATIONS, params={"limit": 50, "fields": ALL_FIELDS, **({"cursor": cursor} if cursor else {})})
            bytes_per_row.append(len(page.content) / len(page.json()["data"]))
            if not (cursor := page.json()["meta"].get("cursor")):
                break
        scores = client.get("/api/public/v3/scores", params={"limit": 100})
    # The median page: one trace in 5,000 carries ~2 MB documents (a page the response cap refuses).
    full_page_bytes = statistics.median(bytes_per_row) * 1_000
    assert 0.7 <= Latency.realistic().seconds(1_000, full_page_bytes) <= 0.9
    assert 0.2 <= Latency.realistic().seconds(len(scores.json()["data"]), len(scores.content)) <= 0.3


def test_latency_is_off_unless_asked_for():
    assert not Latency.of(None).enabled and not Latency.off().enabled
    assert Latency.of("realistic") == Latency.realistic()
    assert Latency.of({"preset": "realistic", "baseMs": 50}).base_ms == 50
    assert Latency.of({"perRowMs": 1}) == Latency(per_row_ms=1)
    for bad in ("slow", {"baseMS": 1}, {"baseMs": -1}):
        with pytest.raises(ValueError):
            Latency.of(bad)


# --- the server -----------------------------------------------------------------------------------


def test_answers_are_delayed_by_the_base_and_by_the_rows_they_carry(fresh_sim, fresh_client):
    fresh_sim.set_latency({"baseMs": 150})
    response, seconds = timed_get(fresh_client, OBSERVATIONS, limit=1)
    assert response.status_code == 200 and seconds >= 0.15
    fresh_sim.set_latency({"perRowMs": 20})  # rows only: 1 row ~20 ms, 20 rows ~400 ms
    _, one_row = timed_get(fresh_client, OBSERVATIONS, limit=1)
    many, many_rows = timed_get(fresh_client, OBSERVATIONS, limit=20)
    assert len(many.json()["data"]) == 20
    assert many_rows >= 0.4 and many_rows > one_row + 0.25


def test_answers_are_delayed_by_their_size(fresh_sim, fresh_client):
    fresh_sim.set_latency({"perMbMs": 20_000})  # 20 ms a kilobyte
    small, small_seconds = timed_get(fresh_client, OBSERVATIONS, limit=5, fields="core")
    large, large_seconds = timed_get(fresh_client, OBSERVATIONS, limit=5, fields=ALL_FIELDS)
    assert len(large.content) > 2 * len(small.content)
    assert large_seconds >= len(large.content) / 1_000_000 * 20
    assert large_seconds - small_seconds > (len(large.content) - len(small.content)) / 1_000_000 * 20 * 0.5


def test_errors_and_single_objects_pay_the_base_too(fresh_sim, fresh_client):
    fresh_sim.set_latency({"baseMs": 150})
    fresh_sim.faults.script("503", path=OBSERVATIONS)
    failed, seconds = timed_get(fresh_client, OBSERVATIONS)
    assert failed.status_code == 503 and seconds >= 0.15
    _, seconds = timed_get(fresh_client, "/api/public/health")
    assert seconds >= 0.15


def test_latency_switched_over_http_and_off_again(fresh_sim, fresh_client):
    assert fresh_client.get("/_sim/latency").json() == Latency.off().to_json()
    set_ = fresh_client.post("/_sim/latency", json={"preset": "realistic"})
    assert set_.status_code == 200 and set_.json() == Latency.realistic().to_json()
    assert fresh_sim.latency == Latency.realistic()
    assert fresh_client.post("/_sim/latency", json={"base": 1}).status_code == 400
    assert fresh_client.post("/_sim/latency", json={"preset": "off"}).json()["baseMs"] == 0
    _, seconds = timed_get(fresh_client, OBSERVATIONS, limit=1)
    assert seconds < 0.15


def test_the_command_line_serves_without_latency_unless_told():
    assert _parser().parse_args(["serve"]).latency == "off"
    assert _parser().parse_args(["serve", "--latency", "realistic"]).latency == "realistic"


# --- requests in flight ---------------------------------------------------------------------------


def _concurrently(simulator: Simulator, path: str, n: int) -> tuple[list[int], float]:
    """``n`` requests at once, each on its own connection: their statuses and the wall time of all."""
    statuses: list[int] = []
    released: list[float] = []
    barrier = threading.Barrier(n, action=lambda: released.append(time.perf_counter()))

    def one() -> None:
        with httpx.Client(base_url=simulator.base_url, auth=simulator.auth, timeout=30) as client:
            client.get("/api/public/health")  # connect first: the timed part is the requests alone
            barrier.wait()
            statuses.append(client.get(path, params={"limit": 5}).status_code)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, time.perf_counter() - released[0]


@pytest.mark.parametrize(
    ("api", "path", "plan"),
    [("v4", OBSERVATIONS, None), ("v4", OBSERVATIONS, "pro"), ("legacy", "/api/public/traces", "pro")],
)
def test_slow_requests_in_flight_are_served_concurrently(spec, api, path, plan):
    """Four requests of 600 ms each take about one latency, not four: neither the store, the rate
    limiter nor the server holds them one behind the other. The stats count the peak in flight."""
    with Simulator(store=spec.build_store(), api=api, plan=plan, latency={"baseMs": 600}) as simulator:
        simulator.reset_stats()
        statuses, seconds = _concurrently(simulator, path, 4)
        # A handler counts itself out just after its last byte is sent, so a client can read the stats
        # a moment before the last one has.
        deadline = time.monotonic() + 2
        while (stats := simulator.stats)["inFlight"] and time.monotonic() < deadline:
            time.sleep(0.01)
    assert statuses == [200] * 4
    assert 0.6 <= seconds < 1.2  # serial would be >= 2.4 s
    assert stats["peakInFlight"] == 4 and stats["inFlight"] == 0


def test_a_server_at_capacity_answers_requests_beyond_it_more_slowly(spec):
    """Capacity 2, eight requests of 300 ms at once: each takes about 8 / 2 times as long (a loaded
    self-hosted server), so more in flight than it can serve buys no rows."""
    with Simulator(store=spec.build_store(), latency={"baseMs": 300, "capacity": 2}) as simulator:
        statuses, seconds = _concurrently(simulator, OBSERVATIONS, 8)
    assert statuses == [200] * 8
    assert seconds >= 0.9  # without the capacity: ~0.3 s


def test_the_peak_in_flight_counts_api_requests_only_and_restarts_at_a_reset(fresh_sim, fresh_client):
    fresh_client.get(OBSERVATIONS, params={"limit": 1})
    fresh_client.get("/_sim/stats")
    assert fresh_sim.stats["peakInFlight"] == 1
    fresh_sim.reset_stats()
    assert fresh_sim.stats["peakInFlight"] == 0
    served = fresh_client.get("/_sim/stats").json()
    assert (served["inFlight"], served["peakInFlight"]) == (0, 0)
