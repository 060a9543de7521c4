"""How many observations per second the simulator serves from /api/public/v2/observations.

Pages of 1,000 with every field group over one keep-alive httpx.Client, the way the sync reads it, for
a store of ~200k observations (``--traces 25000``). Target: >= 20,000 observations/s on 2 cores.

    .venv/bin/python benchmarks/simulator_throughput.py [--traces 25000] [--limit 1000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator import Simulator  # noqa: E402
from simulator.endpoints.observations import GROUP_FIELDS  # noqa: E402
from simulator.store import Store  # noqa: E402

ALL_FIELDS = ",".join(GROUP_FIELDS)


def build_store(traces: int) -> Store:
    """The generator's store when it exists, else a stand-in of about the same row size."""
    try:
        from simulator.generator import generate
    except ImportError:
        return _stand_in_store(traces)
    return generate(seed=42, traces=traces)


def _stand_in_store(traces: int) -> Store:
    from datetime import UTC, datetime, timedelta

    store = Store(project_id="proj-bench", project_name="bench")
    start = datetime(2026, 10, 1, tzinfo=UTC)
    for t in range(traces):
        base = start + timedelta(seconds=t * 97)
        for i in range(8):
            moment = (base + timedelta(milliseconds=i * 150)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            store.observations.append(
                {
                    "id": f"obs-{t}-{i}",
                    "traceId": f"trace-{t:06d}",
                    "startTime": moment,
                    "endTime": moment,
                    "projectId": "proj-bench",
                    "parentObservationId": None if i == 0 else f"obs-{t}-0",
                    "type": "GENERATION" if i % 2 else "SPAN",
                    "isRootObservation": i == 0,
                    "name": f"step-{i}",
                    "level": "DEFAULT",
                    "statusMessage": None,
                    "version": None,
                    "environment": "production",
                    "bookmarked": False,
                    "public": False,
                    "userId": f"user-{t % 97}",
                    "sessionId": f"s-{t % 501}",
                    "completionStartTime": None,
                    "createdAt": moment,
                    "updatedAt": moment,
                    "input": '{"messages":[{"role":"user","content":"' + "question " * 20 + '"}]}',
                    "output": "answer " * 30,
                    "metadata": {"source": "bench", "attempt": i},
                    "model": "gpt-4o",
                    "internalModelId": "m1",
                    "modelParameters": {"temperature": 0.1},
                    "usageDetails": {"input": 120, "output": 80, "total": 200},
                    "costDetails": {"input": 0.0003, "output": 0.0008, "total": 0.0011},
                    "totalCost": 0.0011,
                    "usagePricingTierName": None,
                    "inputUsage": 120,
                    "outputUsage": 80,
                    "totalUsage": 200,
                    "inputCost": 0.0003,
                    "outputCost": 0.0008,
                    "promptId": None,
                    "promptName": None,
                    "promptVersion": None,
                    "latency": 0.15,
                    "timeToFirstToken": 0.05,
                    "modelId": "m1",
                    "inputPrice": "0.0000025",
                    "outputPrice": "0.00001",
                    "totalPrice": None,
                    "traceName": "bench",
                    "tags": ["bench"],
                    "release": "1.0",
                }
            )
    return store


def read_everything(client: httpx.Client, limit: int) -> tuple[int, int, int]:
    """(rows, requests, bytes) for one full pass over the cursor."""
    rows = requests = size = 0
    cursor = None
    while True:
        params = {"limit": limit, "fields": ALL_FIELDS, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/public/v2/observations", params=params)
        response.raise_for_status()
        body = orjson.loads(response.content)
        rows += len(body["data"])
        requests += 1
        size += len(response.content)
        cursor = body["meta"].get("cursor")
        if not cursor:
            return rows, requests, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=25_000)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    started = time.perf_counter()
    store = build_store(args.traces)
    print(f"store: {len(store.observations):,} observations built in {time.perf_counter() - started:.1f}s")
    # Pages served whole: this measures how fast the simulator builds and sends them, not a client's way
    # through Langfuse's 5 MB response cap (a heavy trace's page would be refused 422: sync_throughput.py
    # halves its page there, as the sync does).
    with (
        Simulator(store=store, unkind={"response_cap_bytes": None}) as sim,
        httpx.Client(base_url=sim.base_url, auth=sim.auth, timeout=60) as client,
    ):
        warm = time.perf_counter()
        client.get(
            "/api/public/v2/observations", params={"limit": 1, "fields": ALL_FIELDS}
        ).raise_for_status()
        print(f"first request (builds the sort index): {time.perf_counter() - warm:.2f}s")
        best = 0.0
        for round_number in range(1, args.rounds + 1):
            began = time.perf_counter()
            rows, requests, size = read_everything(client, args.limit)
            elapsed = time.perf_counter() - began
            rate = rows / elapsed
            best = max(best, rate)
            print(
                f"round {round_number}: {rows:,} observations in {requests} pages, {size / 1e6:.0f} MB, "
                f"{elapsed:.1f}s -> {rate:,.0f} observations/s ({size / elapsed / 1e6:.0f} MB/s)"
            )
        print(f"best: {best:,.0f} observations/s (target >= 20,000)")


if __name__ == "__main__":
    main()
