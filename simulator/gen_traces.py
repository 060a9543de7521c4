"""Traces and their observation trees: a RAG chatbot turn and a tool-using agent run.

A trace is planned as a tree of ``Node``s first (types, names, token counts, own durations), then
timed top-down (children start at or after their parent, often in the same millisecond), then turned
into rows: one legacy Trace row and one ObservationV2 row per node, all field groups filled
(payloads come from ``gen_payloads``, usage and cost from ``gen_usage``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import orjson

from simulator import gen_text as text
from simulator.gen_catalog import LARGE_CONTEXT_TOKENS, Catalog
from simulator.gen_common import iso_ms, json_text, span_id
from simulator.gen_payloads import PayloadFactory
from simulator.gen_usage import apply_model, apply_usage, price_usage
from simulator.store import Row
from simulator.unkind import unit_hash

# Provided model names as applications send them; most match a Model row's pattern, a few do not.
ANSWER_MODELS = [
    "gpt-4o-mini",
    "gpt-4o-2024-08-06",
    "claude-3-5-sonnet-20241022",
    "gemini-2.0-flash",
    "ft:gpt-4o-mini:acme:support-v2",
    "acme/llama-3-70b",
]
PLANNER_MODELS = ["o3-mini", "gpt-4o", "anthropic/claude-3-5-sonnet-20241022", "claude-3-5-haiku-20241022"]
HELPER_MODELS = ["gpt-4o-mini", "openai/gpt-4o-mini", "claude-3-5-haiku-20241022"]
# Traces whose root span is an app's root called from an instrumented upstream service: Langfuse marks it
# ``isRootObservation`` and keeps its ``parentObservationId``, a span the project never receives.
APP_ROOT_SHARE = 0.03
UNPRICED_MODEL = "ollama/qwen2.5:7b-instruct"  # dev traffic against a local model: usage but no cost
EMBEDDING_MODEL = "text-embedding-3-small"


@dataclass
class TraceAttrs:
    """Trace-level attributes that v4 copies onto every observation."""

    trace_id: str
    name: str
    environment: str
    user_id: str | None
    session_id: str | None
    tags: list[str]
    release: str | None
    version: str | None
    start_ms: int
    public: bool = False
    bookmarked: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Node:
    type: str
    name: str
    role: str  # what payload to build: "root", "rewrite", "retriever", "answer", "tool", ...
    own_ms: int
    children: list[Node] = field(default_factory=list)
    model: str | None = None
    prompt: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    ttft_ms: int = 0
    tool: str | None = None
    start: int = 0
    end: int | None = 0
    running: bool = False


@dataclass
class BuiltTrace:
    trace: Row
    observations: list[Row]

    @property
    def root(self) -> Row:
        return self.observations[0]


def _parse(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw


class TraceFactory:
    """Builds complete traces; all randomness comes from the ``rng`` given at construction."""

    def __init__(self, rng: random.Random, catalog: Catalog, end_ms: int | None = None):
        self.rng = rng
        self.catalog = catalog
        self.end_ms = end_ms  # the data set's "now": no ingestion or update after it; None = live data
        self.payloads = PayloadFactory(rng)

    # ----- planning -------------------------------------------------------------------------
    def plan_rag(self) -> Node:
        rng = self.rng
        children: list[Node] = []
        if rng.random() < 0.4:
            children.append(
                self._generation(
                    "query-rewrite",
                    "rewrite",
                    rng.choice(HELPER_MODELS),
                    "query-rewrite",
                    (150, 400),
                    (8, 40),
                )
            )
        for index in range(1 + (rng.random() < 0.3)):
            embed = Node(
                "EMBEDDING",
                "embed-query",
                "embedding",
                rng.randint(20, 120),
                model=EMBEDDING_MODEL,
                input_tokens=rng.randint(8, 60),
            )
            children.append(
                Node(
                    "RETRIEVER",
                    "vector-search" if index == 0 else "keyword-search",
                    "retriever",
                    rng.randint(30, 300),
                    [embed],
                )
            )
        if rng.random() < 0.6:
            children.append(Node("SPAN", "rerank", "rerank", rng.randint(40, 200)))
        if rng.random() < 0.4:
            children.append(Node("GUARDRAIL", "pii-filter", "guardrail", rng.randint(5, 80)))
        children.append(
            self._generation(
                "generate-answer", "answer", rng.choice(ANSWER_MODELS), "rag-answer", (600, 6000), (40, 600)
            )
        )
        if rng.random() < 0.35:
            children.append(Node("EVENT", rng.choice(["cache-miss", "feedback-widget-shown"]), "event", 0))
        root_type = "CHAIN" if rng.random() < 0.4 else "SPAN"
        return Node(
            root_type,
            "rag-pipeline" if root_type == "CHAIN" else "handle-chat-turn",
            "root",
            rng.randint(1, 15),
            children,
        )

    def plan_agent(self) -> Node:
        rng = self.rng
        children = [
            self._generation(
                "plan", "plan", rng.choice(PLANNER_MODELS), "agent-system", (1500, 4000), (30, 200)
            )
        ]
        for step in range(rng.randint(1, 6)):
            if step and rng.random() < 0.5:
                children.append(
                    self._generation(
                        "reason", "plan", rng.choice(PLANNER_MODELS), "agent-system", (2000, 6000), (20, 150)
                    )
                )
            tool = rng.choice(text.TOOL_NAMES)
            tool_node = Node("TOOL", tool, "tool", rng.randint(50, 3000), tool=tool)
            if rng.random() < 0.35:
                summarize = self._generation(
                    "summarize-tool-output",
                    "summary",
                    rng.choice(HELPER_MODELS),
                    None,
                    (300, 2500),
                    (30, 250),
                )
                tool_node.children.append(
                    Node("CHAIN", "tool-postprocess", "chain", rng.randint(1, 20), [summarize])
                )
            children.append(tool_node)
        if rng.random() < 0.6:
            children.append(Node("GUARDRAIL", "output-moderation", "guardrail", rng.randint(20, 400)))
        elif rng.random() < 0.4:
            children.append(Node("EVENT", "handoff-to-human", "event", 0))
        children.append(
            self._generation(
                "final-answer",
                "answer",
                rng.choice(ANSWER_MODELS),
                "agent-final-answer",
                (800, 5000),
                (40, 500),
            )
        )
        if rng.random() < 0.1:
            children.append(Node("EVALUATOR", "self-check", "evaluator", rng.randint(100, 800)))
        return Node("AGENT", "support-agent", "root", rng.randint(2, 30), children)

    def _generation(
        self,
        name: str,
        role: str,
        model: str,
        prompt: str | None,
        tokens_in: tuple[int, int],
        tokens_out: tuple[int, int],
    ) -> Node:
        rng = self.rng
        output_tokens = rng.randint(*tokens_out)
        ttft = rng.randint(150, 1800)
        own = ttft + output_tokens * rng.randint(8, 40)
        return Node(
            "GENERATION",
            name,
            role,
            own,
            model=model,
            prompt=prompt,
            input_tokens=rng.randint(*tokens_in),
            output_tokens=output_tokens,
            ttft_ms=ttft,
        )

    # ----- timing ---------------------------------------------------------------------------
    def _time(self, node: Node, start: int, same_start: bool) -> None:
        rng = self.rng
        node.start = start
        if not node.children:
            node.end = start if node.type == "EVENT" else start + node.own_ms
            return
        cursor = start if same_start or rng.random() < 0.6 else start + rng.randint(1, 5)
        latest = start
        for child in node.children:
            self._time(child, start if same_start else cursor, same_start)
            latest = max(latest, child.end)
            cursor = child.end + (0 if rng.random() < 0.5 else rng.randint(1, 15))
        node.end = max(latest + rng.randint(0, 10), start + node.own_ms)

    @staticmethod
    def _mark_running(root: Node) -> None:
        """The root and its last step have not finished (a trace still in flight at sync time)."""
        root.running = True
        root.children[-1].running = True

    # ----- rows -----------------------------------------------------------------------------
    def build(
        self,
        attrs: TraceAttrs,
        root: Node,
        *,
        same_start: bool = False,
        running: bool = False,
        ingested_ms: int | None = None,
        root_io: tuple[Any, Any] | None = None,
    ) -> BuiltTrace:
        """Time the plan and emit rows. ``ingested_ms`` fixes createdAt/updatedAt (late data)."""
        self._time(root, attrs.start_ms, same_start)
        if running:
            self._mark_running(root)
        question = text.question(self.rng)
        rows: list[Row] = []
        self._emit(attrs, root, None, question, rows, ingested_ms, root_io)
        root_row = rows[0]
        # The legacy trace carries the root's io, parsed (the v2 observation keeps the raw string).
        trace_input, trace_output = (_parse(root_row["input"]), _parse(root_row["output"]))
        last_update = max(row["updatedAt"] for row in rows)
        trace = {
            "id": attrs.trace_id,
            "timestamp": root_row["startTime"],
            "name": attrs.name,
            "input": trace_input,
            "output": trace_output,
            "sessionId": attrs.session_id,
            "release": attrs.release,
            "version": attrs.version,
            "userId": attrs.user_id,
            "metadata": attrs.metadata,
            "tags": attrs.tags,
            "public": attrs.public,
            "environment": attrs.environment,
            "projectId": self.catalog.project_id,
            "createdAt": root_row["createdAt"],
            "updatedAt": last_update,
            "bookmarked": attrs.bookmarked,
            "externalId": None,
        }
        return BuiltTrace(trace, rows)

    def _emit(
        self,
        attrs: TraceAttrs,
        node: Node,
        parent_id: str | None,
        question: str,
        rows: list[Row],
        ingested_ms: int | None,
        root_io: tuple[Any, Any] | None,
    ) -> None:
        rng = self.rng
        end = None if node.running else node.end
        finished = end if end is not None else node.start
        created = ingested_ms if ingested_ms is not None else finished + rng.randint(200, 6000)
        updated = (
            created
            if ingested_ms is not None or rng.random() > 0.05
            else created + rng.randint(60_000, 36 * 3_600_000)
        )
        if self.end_ms is not None:
            created, updated = min(created, self.end_ms), min(updated, self.end_ms)
        level, status = self._level(node)
        input_text, output_text, metadata = self.payloads.payload(
            node.role,
            model=node.model,
            tool=node.tool,
            release=attrs.release,
            trace_metadata=attrs.metadata,
            question=question,
            level=level,
        )
        if parent_id is None and root_io is not None:
            input_text, output_text = json_text(root_io[0]), None if node.running else json_text(root_io[1])
        if node.running:
            output_text = None
        completion = node.start + node.ttft_ms if node.type == "GENERATION" and not node.running else None
        row: Row = {
            "id": span_id(rng),
            "traceId": attrs.trace_id,
            "startTime": iso_ms(node.start),
            "endTime": iso_ms(end) if end is not None else None,
            "projectId": self.catalog.project_id,
            "parentObservationId": parent_id if parent_id is not None else _upstream_parent(attrs.trace_id),
            "type": node.type,
            "isRootObservation": parent_id is None,
            "name": node.name,
            "level": level,
            "statusMessage": status,
            "version": attrs.version,
            "environment": attrs.environment,
            "bookmarked": parent_id is None and attrs.bookmarked,
            "public": attrs.public,
            "userId": attrs.user_id,
            "sessionId": attrs.session_id,
            "completionStartTime": iso_ms(completion) if completion is not None else None,
            "createdAt": iso_ms(created),
            "updatedAt": iso_ms(updated),
            "input": input_text,
            "output": output_text,
            "metadata": metadata,
            "model": node.model,
            "internalModelId": None,
            "modelParameters": self._model_parameters(node),
            "usageDetails": {},
            "costDetails": {},
            "totalCost": 0.0,
            "inputUsage": 0,
            "outputUsage": 0,
            "totalUsage": 0,
            "inputCost": None,
            "outputCost": None,
            "usagePricingTierName": None,
            "promptId": None,
            "promptName": None,
            "promptVersion": None,
            "latency": (end - node.start) / 1000 if end is not None else None,
            "timeToFirstToken": (completion - node.start) / 1000 if completion is not None else None,
            "modelId": None,
            "inputPrice": None,
            "outputPrice": None,
            "totalPrice": None,
            "traceName": attrs.name,
            "tags": attrs.tags,
            "release": attrs.release,
        }
        if node.model:
            self._fill_model_fields(row, node, level)
        if node.prompt:
            prompt = self.catalog.prompt_for(rng, node.prompt, node.start)
            if prompt is not None:
                row["promptId"], row["promptName"], row["promptVersion"] = (
                    prompt.get("id"),
                    prompt["name"],
                    prompt["version"],
                )
        rows.append(row)
        for child in node.children:
            self._emit(attrs, child, row["id"], question, rows, ingested_ms, None)

    def _level(self, node: Node) -> tuple[str, str | None]:
        draw = self.rng.random()
        if draw < 0.015 and node.type != "EVENT":
            return "ERROR", self.rng.choice(text.STATUS_ERRORS)
        if draw < 0.045:
            return "WARNING", self.rng.choice(text.STATUS_WARNINGS)
        if node.type == "EVENT" and draw < 0.4:
            return "DEBUG", None
        return "DEFAULT", None

    def _model_parameters(self, node: Node) -> dict[str, Any] | None:
        if node.type != "GENERATION":
            return None
        if self.rng.random() < 0.2:  # OTel exporters stringify attribute values
            return {"temperature": "0.7", "max_tokens": "1024", "stream": "true"}
        params: dict[str, Any] = {
            "temperature": self.rng.choice([0, 0.2, 0.5, 1]),
            "max_tokens": self.rng.choice([256, 512, 1024, 4096]),
        }
        if node.model and node.model.startswith("o3"):
            params = {
                "reasoning_effort": self.rng.choice(["low", "medium", "high"]),
                "max_completion_tokens": 8192,
            }
        return params

    def _fill_model_fields(self, row: Row, node: Node, level: str) -> None:
        rng = self.rng
        provided = node.model if not (row["environment"] == "dev" and rng.random() < 0.3) else UNPRICED_MODEL
        row["model"] = provided
        if node.running:
            apply_model(row, self.catalog.model_for(provided, node.start), None)
            return
        usage = self._usage(node, provided)
        model = self.catalog.model_for(provided, node.start)
        tier, costs = price_usage(model, usage)
        apply_usage(row, usage, costs)
        apply_model(row, model, tier)

    def _usage(self, node: Node, provided: str) -> dict[str, int]:
        rng = self.rng
        if node.type == "EMBEDDING":
            return {"input": node.input_tokens, "total": node.input_tokens}
        prompt_tokens = node.input_tokens
        if provided.startswith("gemini") and rng.random() < 0.05:
            prompt_tokens = rng.randint(LARGE_CONTEXT_TOKENS + 1, 400_000)  # whole manuals in context
        usage = {"input": prompt_tokens, "output": node.output_tokens}
        if "gpt" in provided or provided.startswith("o3"):
            if rng.random() < 0.3:
                cached = rng.randrange(0, prompt_tokens // 128 + 1) * 128
                usage = {
                    "input": prompt_tokens - cached,
                    "input_cached_tokens": cached,
                    "output": node.output_tokens,
                }
            if provided.startswith("o3"):
                usage["output_reasoning_tokens"] = rng.randint(64, 2048)
        elif "claude" in provided and rng.random() < 0.4:
            usage["input_cache_read"] = rng.randint(500, 3000)
        usage["total"] = sum(usage.values())
        return usage


def _upstream_parent(trace_id: str) -> str | None:
    """The upstream span an app-root observation hangs from, for APP_ROOT_SHARE of the traces (a hash of
    the trace id, not a draw: the rest of the data set stays as it was)."""
    draw = unit_hash("app-root", trace_id)
    if draw >= APP_ROOT_SHARE:
        return None
    return f"{int(draw * 2**64) ^ 0x5EED:016x}"
