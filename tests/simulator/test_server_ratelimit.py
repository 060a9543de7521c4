"""Cloud rate limits: fixed windows per bucket, 429 with Retry-After until the window resets."""

from __future__ import annotations

from simulator.ratelimit import RateLimiter

PATH = "/api/public/v2/observations"


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_rate_limits_are_off_by_default(fresh_client):
    assert all(fresh_client.get(PATH, params={"limit": 1}).status_code == 200 for _ in range(40))


def test_over_max_rpm_the_server_answers_429_with_retry_after(fresh_sim, fresh_client):
    fresh_sim.set_max_rpm(3)
    statuses = [fresh_client.get(PATH, params={"limit": 1}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = fresh_client.get(PATH)
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-limit"] == "3" and refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.json()["code"] == "rate_limited"
    assert fresh_sim.stats["rateLimited"] == 2
    fresh_sim.set_max_rpm(None)
    assert fresh_client.get(PATH, params={"limit": 1}).status_code == 200


def test_the_limit_is_checked_after_auth(fresh_sim, client_for):
    import httpx

    fresh_sim.set_max_rpm(1)
    assert httpx.get(f"{fresh_sim.base_url}{PATH}").status_code == 401
    with client_for(fresh_sim) as http:
        assert http.get(PATH, params={"limit": 1}).status_code == 200


def test_retry_after_counts_down_to_the_end_of_the_fixed_window():
    clock = FakeClock(1_000_020.0)  # 20 s into a minute window (1_000_020 % 60 == 0 + 20)
    limiter = RateLimiter(clock)
    limiter.set_max_rpm(2)
    assert limiter.check("public-api") is None and limiter.check("public-api") is None
    verdict = limiter.check("public-api")
    assert verdict is not None and verdict.retry_after == 60 - (1_000_020 % 60)
    clock.now += verdict.retry_after
    assert limiter.check("public-api") is None  # a new window


def test_hobby_plan_buckets_are_separate_and_prompts_unlimited():
    limiter = RateLimiter(FakeClock(0.0))
    limiter.set_plan("hobby")
    assert all(limiter.check("public-api") is None for _ in range(30))
    assert limiter.check("public-api") is not None
    assert all(limiter.check("datasets") is None for _ in range(100))
    assert limiter.check("datasets") is not None
    assert all(limiter.check("prompts") is None for _ in range(500))


def test_the_metrics_bucket_of_the_pro_plan_is_hourly():
    clock = FakeClock(0.0)
    limiter = RateLimiter(clock)
    limiter.set_plan("pro")
    assert all(limiter.check("public-api-v2-metrics") is None for _ in range(500))
    verdict = limiter.check("public-api-v2-metrics")
    assert verdict is not None and verdict.retry_after == 3600
