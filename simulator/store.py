"""The simulator's ground truth: every entity as the Langfuse server holds it.

Contract shared by the data generator (``simulator.generator``) and the HTTP layer
(``simulator.server`` / ``simulator.endpoints``):

* Each list holds plain ``dict`` rows in the **canonical shape**: exactly the JSON object the
  current (v4) public API returns for that entity with **every field group requested**, keys in
  Langfuse's camelCase, timestamps as ISO-8601 strings with millisecond precision and a ``Z``
  (``"2026-11-01T10:00:00.123Z"``). Endpoint handlers derive everything else from it: field-group
  subsets, the 200-character metadata cut, legacy (v3 self-hosted) shapes such as traces, sessions,
  observations v1 and scores v2.
* Two deliberate differences from the wire shape, because the handlers need the full truth:
  ``observations[*]["metadata"]`` holds the *uncut* values, and ``dataset_items`` also holds ARCHIVED
  items (the list endpoint filters them out, as the real one does).
* ``input``/``output`` of observations are stored as the raw strings the v2 endpoint serves
  (JSON text or plain text); legacy handlers parse them.
* Readers take ``lock`` only while copying references; writers (the mutation helpers) hold it for
  the whole change and then bump ``version`` so that handlers can rebuild cached sort indexes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]


@dataclass
class Store:
    project_id: str
    project_name: str
    # --- time-series entities (ClickHouse in the real server) ---
    traces: list[Row] = field(default_factory=list)  # legacy Trace shape + projectId/createdAt/updatedAt/bookmarked
    observations: list[Row] = field(default_factory=list)  # ObservationV2, all groups incl. trace_context
    scores: list[Row] = field(default_factory=list)  # ScoreV3, all groups (details, subject, annotation)
    sessions: list[Row] = field(default_factory=list)  # legacy Session shape
    # --- experiments (dataset runs) ---
    experiments: list[Row] = field(default_factory=list)  # Experiment, all groups (core, metadata, scores)
    experiment_items: list[Row] = field(default_factory=list)  # ExperimentItem, all groups
    # --- Postgres-backed entities ---
    datasets: list[Row] = field(default_factory=list)
    dataset_items: list[Row] = field(default_factory=list)  # includes ARCHIVED
    comments: list[Row] = field(default_factory=list)
    prompts: list[Row] = field(default_factory=list)  # one row per prompt *version*, full Prompt object
    score_configs: list[Row] = field(default_factory=list)
    models: list[Row] = field(default_factory=list)
    evaluators: list[Row] = field(default_factory=list)
    evaluation_rules: list[Row] = field(default_factory=list)
    annotation_queues: list[Row] = field(default_factory=list)
    annotation_queue_items: list[Row] = field(default_factory=list)

    version: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def bump(self) -> None:
        self.version += 1
