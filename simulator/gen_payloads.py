"""Observation payloads: input/output text and metadata for each role in a trace.

Payload text is memoized by the small tuple of choices that produced it: FAQ questions repeat in real
support traffic, and sharing those strings keeps a million observations inside a few GB. Metadata
values longer than the API's 200-character cut come from a pool for the same reason.
"""

from __future__ import annotations

import random
from typing import Any

from simulator import gen_text as text
from simulator.gen_common import json_text

HEAVY_IO_RATE = 1 / 2000
LONG_METADATA_RATE = 0.35
# Every Nth root span logs the upstream HTTP request as an object whose JSON is over the API's 200-character
# cut: the API serves it cut, as a string (a type change per row). A counter, not a draw, so adding it left
# the rest of the data set as it was; the objects are shared, not copied.
REQUEST_METADATA_EVERY = 9
_REQUEST_METADATA = [
    {"http": {"method": "POST", "route": route, "status": 200,
              "user_agent": f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) {browser}",
              "forwarded_for": "10.24.3.17, 172.31.0.4", "accept_language": "en-GB,en;q=0.9,de;q=0.8"}}
    for route, browser in (("/api/chat", "Chrome/131.0.0.0 Safari/537.36"), ("/api/ask", "Firefox/133.0"),
                           ("/v1/assistant/answer", "Edg/131.0.2903.86"))
]
# OTel attributes arrive as strings: "2" is stored as the string 2 and served JSON-parsed, as the number 2.
_ATTEMPTS = ("1", "1", "1", "2")


class PayloadFactory:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self._memo: dict[tuple, str] = {}
        self._long_values = [text.long_text(rng) for _ in range(48)]
        self._heavy_left = 1  # guarantee one heavy payload in every data set, however small
        self._served = 0  # payloads built so far: picks the counter-based metadata above

    def _memo_json(self, key: tuple, build: Any) -> str:
        value = self._memo.get(key)
        if value is None:
            value = self._memo[key] = json_text(build())
        return value

    def payload(
        self,
        role: str,
        *,
        model: str | None,
        tool: str | None,
        release: str | None,
        trace_metadata: dict[str, Any],
        question: str,
        level: str,
    ) -> tuple[str | None, str | None, dict[str, Any]]:
        """(input, output, metadata) for one observation; io as the raw strings Langfuse stores."""
        rng = self.rng
        metadata: dict[str, Any] = {}
        self._served += 1
        if rng.random() < LONG_METADATA_RATE:
            metadata["debug_context"] = rng.choice(self._long_values)
        if role == "root":
            metadata |= {
                "channel": rng.choice(["web", "slack", "api", "whatsapp"]),
                "app": {"release": release, "region": rng.choice(["eu-central-1", "us-east-1"])},
            }
            metadata |= trace_metadata
            if self._served % REQUEST_METADATA_EVERY == 0:
                metadata["request"] = _REQUEST_METADATA[self._served % len(_REQUEST_METADATA)]
            return (
                self._memo_json(("q", question), lambda: {"question": question, "locale": "auto"}),
                self._memo_json(("a", question), lambda: {"answer": text.answer(rng)}),
                metadata,
            )
        if role in ("answer", "plan", "summary", "rewrite"):
            metadata |= {
                "ls_provider": (model or "").split("/")[0].split("-")[0],
                "stream": role == "answer",
                "attempt": _ATTEMPTS[self._served % len(_ATTEMPTS)],
            }
            if role == "rewrite":  # text prompts log plain strings, not JSON
                return question, text.answer(rng, 1), metadata
            history = rng.choice((0, 0, 1, 2)) if role == "answer" else 0
            choice = rng.randrange(8)
            messages = self._memo_json(
                ("m", role, question, history, choice),
                lambda: text.chat_messages(
                    rng, f"You are Acme's {role} assistant. Policy set #{choice}.", question, history
                ),
            )
            if level == "ERROR":
                return messages, None, metadata
            reply = rng.randrange(64)
            return (
                messages,
                self._memo_json(
                    ("r", role, reply),
                    lambda: {"role": "assistant", "content": text.answer(rng, 1 + reply % 3)},
                ),
                metadata,
            )
        if role == "retriever":
            metadata |= {
                "index": "kb-prod-2026-11",
                "top_k": 5,
                "filters": {"lang": ["en", "ja", "zh"], "tenant": {"id": "acme", "tier": "enterprise"}},
            }
            if self._heavy_left or rng.random() < HEAVY_IO_RATE:
                self._heavy_left = 0
                return (
                    question,
                    json_text({"documents": [{"id": "manual.pdf", "text": text.heavy_text(rng)}]}),
                    metadata,
                )
            return (
                question,
                self._memo_json(("d", rng.randrange(256)), lambda: text.documents(rng, 5)),
                metadata,
            )
        if role == "embedding":
            return question, None, metadata
        if role == "tool":
            call = rng.randrange(32)
            arguments = self._memo_json(("ta", tool, call), lambda: text.tool_arguments(rng, tool))
            return (
                arguments,
                None
                if level == "ERROR"
                else self._memo_json(("tr", tool, call), lambda: text.tool_result(rng, tool)),
                metadata,
            )
        if role == "guardrail":
            return (
                None,
                self._memo_json(
                    ("g", level),
                    lambda: {
                        "passed": level == "DEFAULT",
                        "checks": {"pii": level != "DEFAULT", "toxicity": 0.01},
                    },
                ),
                metadata,
            )
        if role == "event":
            return (
                rng.choice(
                    ["cache miss for key kb:v3:☃", "Widget shown: 👍 / 👎", "handoff requested by user"]
                ),
                None,
                metadata,
            )
        if role == "evaluator":
            return (
                None,
                json_text(
                    {"verdict": rng.choice(["pass", "fail"]), "reason": rng.choice(text.JUDGE_REASONS)}
                ),
                metadata,
            )
        return None, None, metadata  # rerank / chain spans carry no io
