"""Small helpers every generator module shares: deterministic ids, millisecond timestamps, money.

Times are carried as integer epoch milliseconds while data is built and formatted once, when a row is
written, in the API's shape (``2026-11-01T10:00:00.123Z``). Ids come from the caller's
``random.Random`` so that a seed fully determines the data set.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import orjson

_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_DAY_PREFIX: dict[int, str] = {}

MS_PER_SECOND = 1000
MS_PER_MINUTE = 60 * MS_PER_SECOND
MS_PER_HOUR = 60 * MS_PER_MINUTE
MS_PER_DAY = 24 * MS_PER_HOUR
# Langfuse keeps money as Decimal(18, 12); rounding there keeps float noise out of the data.
MONEY_DIGITS = 12


def iso_ms(ms: int) -> str:
    """Epoch milliseconds as the API writes dates (a serialized JS Date)."""
    seconds, millis = divmod(ms, 1000)
    day, in_day = divmod(seconds, 86400)
    prefix = _DAY_PREFIX.get(day)
    if prefix is None:
        # Formatting the date part once per day keeps timestamp formatting cheap at a million rows.
        prefix = _DAY_PREFIX[day] = time.strftime("%Y-%m-%dT", time.gmtime(day * 86400))
    hours, in_hour = divmod(in_day, 3600)
    minutes, secs = divmod(in_hour, 60)
    return f"{prefix}{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}Z"


def parse_iso_ms(value: str) -> int:
    """The inverse of ``iso_ms`` (also accepts any ISO-8601 string with a zone)."""
    return to_ms(datetime.fromisoformat(value.replace("Z", "+00:00")))


def to_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


_frozen = threading.local()


def now_ms() -> int:
    frozen = getattr(_frozen, "ms", None)
    return frozen if frozen is not None else int(time.time() * 1000)


@contextmanager
def frozen_now(ms: int) -> Iterator[None]:
    """``now_ms()`` answers ``ms`` in this thread meanwhile: a change queued now and applied later
    (``simulator.ingestion``) stamps the time it was made, whoever applies it."""
    before = getattr(_frozen, "ms", None)
    _frozen.ms = ms
    try:
        yield
    finally:
        _frozen.ms = before


def trace_id(rng: random.Random) -> str:
    """32 hex digits: the W3C/OTel trace id that v4 SDKs send."""
    return f"{rng.getrandbits(128):032x}"


def span_id(rng: random.Random) -> str:
    """16 hex digits: an OTel span id, which is what v4 observation ids are."""
    return f"{rng.getrandbits(64):016x}"


def uuid_str(rng: random.Random) -> str:
    """A version-4-shaped UUID drawn from ``rng`` (never ``uuid.uuid4``, which is not seeded)."""
    bits = (rng.getrandbits(128) & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC << 60) | (0x8 << 60)
    raw = f"{bits:032x}"
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def cuid(rng: random.Random) -> str:
    """A cuid-looking id, as Langfuse's Postgres tables (prompts, models, configs, ...) use."""
    number = rng.getrandbits(124)
    chars = []
    for _ in range(24):
        number, digit = divmod(number, 36)
        chars.append(_BASE36[digit])
    return "c" + "".join(chars)


def money(value: float) -> float:
    return round(value, MONEY_DIGITS)


def price_string(price: float | None) -> str | None:
    """Prices as the v2 observations API serializes them: a plain decimal string, never ``1e-06``."""
    if price is None:
        return None
    return format(Decimal(repr(price)), "f")


def json_text(value: object) -> str:
    """Compact JSON text, the way Langfuse stores observation input/output."""
    return orjson.dumps(value).decode()
