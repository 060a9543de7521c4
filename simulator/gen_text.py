"""Text and payload factories for a support chatbot and a tool-using agent.

The pools deliberately mix scripts and encodings that break naive pipelines: CJK, Korean, Cyrillic,
right-to-left Arabic and Hebrew, emoji with skin tones and ZWJ sequences, combining marks (Zalgo,
``e`` + U+0301), quotes, backslashes and newlines. Long strings are slices of prebuilt text, so a
metadata value of 900 characters or an input of 300 KB costs one copy, not a loop.
"""

from __future__ import annotations

import random

QUESTIONS = [
    "How do I reset my password?",
    "¿Cuál es la política de devoluciones para pedidos internacionales?",
    "Wie kann ich meine Rechnung als PDF herunterladen?",
    "注文をキャンセルするにはどうすればいいですか？",
    "我的订单什么时候发货？物流单号是多少？",
    "ما هي ساعات عمل خدمة العملاء؟",
    "איך אני משנה את כתובת המשלוח?",
    "Can I upgrade my plan mid-cycle? 🤔💳",
    "Z̤͔ͧ̑a̸͎l̶̞g̷̣o̵̺ question: ẗ̷h̸e̶ ̷o̵r̴d̶e̷r̵ ̸i̷s̶ ̵l̷a̴t̸e̷ — what now?",
    "Café vs cafe\u0301: why does search treat them differently?",
    'Why was I charged twice? Order #A-1029 "urgent" \\ see attached',
    "Explain the difference between the Pro and Team plans in a table.",
    "한국어로 답변해 주세요: 환불은 얼마나 걸리나요?",
    "Привет! Как подключить двухфакторную аутентификацию?",
    "What is the SLA for API uptime? 👩\u200d💻🚀",
    "Thumbs up 👍🏽 for the new UI, but 🇯🇵 locale dates look wrong",
    "Is my data stored in the EU region?\nI need this for a GDPR audit.",
    "The export job failed with error E4012 — can you check the logs?",
    "Summarize my last three support tickets.",
    "Où puis-je trouver la facture de septembre ?",
]

ANSWER_SENTENCES = [
    "You can reset your password from Settings → Security → Reset password.",
    "Returns are free within 30 days for all regions, including international orders.",
    "Invoices are available as PDF under Billing → History; click the ⬇ icon next to each invoice.",
    "ご注文は発送前であれば「注文履歴」からキャンセルできます。",
    "您的订单预计在 2 个工作日内发货，物流单号将通过邮件发送。",
    "خدمة العملاء متاحة من الأحد إلى الخميس، من 9 صباحًا حتى 6 مساءً.",
    "ניתן לשנות את כתובת המשלוח עד שההזמנה נארזת.",
    "Upgrades are prorated: you only pay the difference for the rest of the cycle. 💡",
    "Search normalizes text to NFC, so “café” and “cafe\u0301” should match after the next release.",
    "I can see two authorizations; the duplicate one will be released within 3–5 business days.",
    "| Plan | Seats | SSO |\n|---|---|---|\n| Pro | 10 | ❌ |\n| Team | 50 | ✅ |",
    "환불은 영업일 기준 5~7일 정도 소요됩니다.",
    "Двухфакторная аутентификация включается в разделе «Безопасность».",
    "Our API uptime SLA is 99.9% per calendar month, measured in 5-minute windows.",
    "Thanks for the feedback! I've filed the locale issue as BUG-2231 🐛.",
    "Yes: projects created in the EU region keep all data in Frankfurt (eu-central-1).",
    "The export failed because the bucket policy denies s3:PutObject; see the runbook.",
    "Your last tickets were about billing, SSO setup and a webhook timeout.",
    "La facture de septembre se trouve dans Facturation → Historique.",
    "I'm not sure about that; let me connect you with a human agent.",
]

DOC_TITLES = [
    "Password and security FAQ",
    "Return policy (2026 edition)",
    "Billing & invoices",
    "注文とキャンセル",
    "配送与物流说明",
    "سياسة خدمة العملاء",
    "Plans and pricing",
    "Data residency and GDPR",
    "Troubleshooting exports",
    "Two-factor authentication / Двухфакторная аутентификация",
]

TOOLS = {
    "search_orders": lambda rng: {
        "customer_id": f"cus_{rng.randrange(10**6):06d}",
        "status": rng.choice(["open", "shipped", "returned"]),
    },
    "get_invoice": lambda rng: {"invoice_id": f"in_{rng.randrange(10**8):08d}", "format": "pdf"},
    "lookup_kb": lambda rng: {"query": rng.choice(QUESTIONS), "top_k": rng.choice([3, 5, 8])},
    "create_ticket": lambda rng: {
        "priority": rng.choice(["low", "normal", "high"]),
        "tags": ["billing", "🔥"],
    },
    "get_weather": lambda rng: {
        "city": rng.choice(["Berlin", "東京", "São Paulo", "القاهرة"]),
        "unit": "celsius",
    },
    "run_sql": lambda rng: {
        "sql": "SELECT status, count(*) FROM orders WHERE created_at > now() - interval '7 days' GROUP BY 1"
    },
}
TOOL_NAMES = list(TOOLS)

STATUS_WARNINGS = [
    "Retrying after rate limit (429), attempt 2/3",
    "Context window 92% full; truncated 3 oldest messages",
    "Guardrail flagged possible PII (email address) — redacted",
    "Slow retrieval: vector store answered in 2.8s",
]
STATUS_ERRORS = [
    "OpenAI API error: 500 Internal Server Error",
    "Tool call failed: TimeoutError after 30s",
    "JSONDecodeError: Expecting ',' delimiter: line 1 column 87 (char 86)",
    "Anthropic API error: overloaded_error (529)",
    "Guardrail blocked output: policy violation «self-harm»",
]

JUDGE_REASONS = [
    "The answer addresses the question directly and cites the relevant policy section.",
    "The response invents a refund window (45 days) that is not in the retrieved context → hallucination.",
    "Tone is friendly but the answer is in English although the user wrote in 日本語.",
    "Partially correct: the steps are right, but the menu path changed in the last release.",
    "The assistant asked a clarifying question instead of guessing — good behaviour ✅.",
    "Respuesta correcta y concisa; cita la política vigente.",
]

_FILLER = (
    "Retrieved 5 chunks from index kb-prod-2026-11 (cosine ≥ 0.78); reranked with cross-encoder; "
    "dropped 2 near-duplicates. 検索結果を再ランキングしました。 检索结果已重新排序。 "
    "تمت إعادة ترتيب النتائج. התוצאות מוינו מחדש. Z̤͔ͧ̑a̸͎l̶̞g̷̣o̵̺ and cafe\u0301 stay intact. "
    "Latency budget: embed 35ms, search 120ms, rerank 80ms 🚀👩\u200d💻. "
)
LONG_TEXT = _FILLER * 40
_HEAVY_CHUNK_CHARS = 450_000


def question(rng: random.Random) -> str:
    return rng.choice(QUESTIONS)


def answer(rng: random.Random, sentences: int = 2) -> str:
    return " ".join(rng.choice(ANSWER_SENTENCES) for _ in range(sentences))


def long_text(rng: random.Random, low: int = 201, high: int = 900) -> str:
    """A slice of unicode text longer than the API's 200-character metadata cut."""
    length = rng.randint(low, high)
    start = rng.randrange(len(_FILLER))
    return LONG_TEXT[start : start + length]


_heavy: list[str] = []


def heavy_text(rng: random.Random) -> str:
    """Hundreds of KB of document text (a retriever returning whole files)."""
    if not _heavy:
        _heavy.append((_FILLER + "\n".join(ANSWER_SENTENCES) + "\n") * (_HEAVY_CHUNK_CHARS // 2000 + 1))
    size = rng.randint(150_000, 400_000)
    start = rng.randrange(len(_FILLER))
    return _heavy[0][start : start + size]


def documents(rng: random.Random, count: int) -> list[dict]:
    return [
        {
            "id": f"doc-{rng.randrange(10**5):05d}#chunk-{rng.randrange(40)}",
            "title": rng.choice(DOC_TITLES),
            "score": round(rng.uniform(0.62, 0.97), 4),
            "text": rng.choice(ANSWER_SENTENCES),
            "source": {
                "url": f"https://docs.example.com/kb/{rng.randrange(900)}",
                "lang": rng.choice(["en", "ja", "zh", "ar"]),
            },
        }
        for _ in range(count)
    ]


def chat_messages(rng: random.Random, system: str, user_text: str, history: int = 0) -> list[dict]:
    messages = [{"role": "system", "content": system}]
    for _ in range(history):
        messages.append({"role": "user", "content": question(rng)})
        messages.append({"role": "assistant", "content": answer(rng, 1)})
    messages.append({"role": "user", "content": user_text})
    return messages


def tool_arguments(rng: random.Random, tool: str) -> dict:
    return TOOLS[tool](rng)


def tool_result(rng: random.Random, tool: str) -> dict:
    if tool == "search_orders":
        return {
            "orders": [
                {
                    "id": f"A-{rng.randrange(10**4)}",
                    "total": {"amount": rng.randrange(500, 90000) / 100, "currency": "EUR"},
                }
                for _ in range(rng.randint(0, 3))
            ]
        }
    if tool == "lookup_kb":
        return {"hits": documents(rng, 2)}
    if tool == "run_sql":
        return {
            "columns": ["status", "count"],
            "rows": [["open", rng.randrange(100)], ["shipped", rng.randrange(1000)]],
        }
    return {"ok": True, "message": rng.choice(ANSWER_SENTENCES), "meta": {"took_ms": rng.randrange(5, 900)}}
