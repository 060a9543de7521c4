"""The ways the real Langfuse is unkind to a client, each on by default and each with a switch.

The simulator is the ground truth of every test and benchmark: wherever it were kinder than Langfuse,
a sync bug would hide. Every behaviour here is deterministic (hashes of the seed and the row or
query, never a wall-clock draw), so a failing test replays. Switch one off for a focused test:

    Simulator(unkind={"unstable_ties": False})       # in-process
    POST /_sim/unkindness {"unstable_ties": false}   # a running server
    python -m simulator serve --kind unstable_ties   # the command line (comma-separated, or "all")
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any

# HEAD answers 422 PayloadTooLargeError for a response above its cap (guide §1, Part 2: 5 MB caps).
RESPONSE_CAP_BYTES = 5_000_000
# v2 observations and metrics lag ingestion by up to ~10 minutes (guide Part 2).
INGESTION_LAG_SECONDS = 600.0


@dataclass
class Unkindness:
    # Legacy offset lists order on their time column alone (guide §2): rows sharing a timestamp come
    # back in an order that depends on the query (its page and limit), so at a page boundary a tied
    # row can be served twice or never.
    unstable_ties: bool = True
    # ClickHouse counts and pages before merging row versions: some rows have an unmerged second
    # version, a page is cut from the list with both and deduplicated after (short pages, a row on two
    # pages), and totalItems counts both (too high). Legacy ClickHouse lists and the v4 cursor lists.
    short_pages: bool = True
    # A page whose body would exceed this many bytes is answered 422 (the same request always is;
    # a smaller ``limit`` passes). None: no cap.
    response_cap_bytes: int | None = RESPONSE_CAP_BYTES
    # A change made through the control surface (new traces and scores, updates, deletes) becomes
    # visible after a seeded lag of up to this many seconds of the simulator's clock. 0: at once.
    ingestion_lag_seconds: float = INGESTION_LAG_SECONDS
    # Some traces added through the control surface are first served still running (no end time,
    # output, usage or cost) and complete later: a new version of rows a client already read.
    running_then_complete: bool = True

    @classmethod
    def kind(cls) -> Unkindness:
        """Every switch off: the simulator as it was, exact and instant."""
        return cls(False, False, None, 0.0, False)

    @classmethod
    def of(cls, value: Unkindness | dict[str, Any] | None) -> Unkindness:
        if isinstance(value, Unkindness):
            return value
        return cls().updated(value or {})

    def updated(self, changes: dict[str, Any]) -> Unkindness:
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ValueError(f"unknown unkindness switch(es) {unknown}; known: {', '.join(sorted(names))}")
        return dataclasses.replace(self, **changes)

    def switched_off(self, names: str) -> Unkindness:
        """``"all"`` or comma-separated switch names, as the ``serve --kind`` flag takes them."""
        if names.strip() == "all":
            return Unkindness.kind()
        off = Unkindness.kind().to_json()
        chosen = [name.strip() for name in names.split(",") if name.strip()]
        return self.updated({name: off.get(name, None) for name in chosen})

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def unit_hash(*parts: Any) -> float:
    """A deterministic draw in [0, 1) from its parts (no RNG state: the same query draws the same)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64
