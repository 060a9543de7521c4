"""The server's ground truth as plain data, for tests that compare a warehouse with the simulator."""

from __future__ import annotations

import dataclasses

import orjson

from simulator.store import Row, Store

ENTITY_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(Store)
    if f.name not in ("project_id", "project_name", "version", "lock")
)


def export_ground_truth(store: Store) -> dict[str, list[Row]]:
    """A deep copy of every entity list, keyed by the store's field name.

    The rows are serialized while the lock is held, so the copy is one consistent moment; a JSON round
    trip is both the fastest deep copy of plain JSON data and proof that every row is JSON.
    """
    with store.lock:
        frozen = {name: orjson.dumps(getattr(store, name)) for name in ENTITY_FIELDS}
    return {name: orjson.loads(payload) for name, payload in frozen.items()}
