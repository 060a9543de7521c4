"""Find the tables a SQL model reads, from the SQL text itself (no parser dependency, no Jinja).

A reference is a bare or qualified name right after FROM or JOIN that is not one of the model's own CTEs
and not a table function (a name followed by "(", e.g. `from unnest(...)`). FROM inside a function call
(`extract(epoch from ts)`, `trim(both from s)`) is not a table reference. Comma joins (`from a, b`) are not
recognised: models use explicit JOINs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<quoted>"(?:[^"]|"")*")
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<dot>\.)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<other>\S)
    """,
    re.VERBOSE,
)

# Words that may stand right before "(" without making it a function call.
_KEYWORDS_BEFORE_PAREN = set(
    """
    as in from join exists on and or not select where with union all intersect except lateral using
    when then else by materialized values any some having is recursive
    """.split()
)


@dataclass(frozen=True)
class TableReference:
    """A table name as written after FROM/JOIN; start/end are offsets of the whole (qualified) name."""

    name: str
    schema: str | None
    start: int
    end: int


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def word(self) -> str | None:
        if self.kind == "word":
            return self.text.lower()
        if self.kind == "quoted":
            return self.text[1:-1].replace('""', '"').lower()
        return None


def _blank_comments_and_strings(sql: str) -> str:
    """Replace comments and string literals by spaces, keeping every offset where it was."""
    pattern = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'", re.DOTALL)
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), sql)


def _tokens(sql: str) -> list[_Token]:
    cleaned = _blank_comments_and_strings(sql)
    return [_Token(m.lastgroup or "other", m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(cleaned)]


def _read_name(tokens: list[_Token], i: int) -> tuple[list[str], int]:
    """Read `a`, `a.b` or `a.b.c` starting at tokens[i]; return its parts and the index after it."""
    parts: list[str] = []
    while i < len(tokens) and tokens[i].word is not None:
        parts.append(tokens[i].word or "")
        if i + 2 < len(tokens) and tokens[i + 1].kind == "dot" and tokens[i + 2].word is not None:
            i += 2
            continue
        i += 1
        break
    return parts, i


def cte_names(sql: str) -> set[str]:
    """Names defined as `<name> as (` or `<name> as materialized (` anywhere in the query."""
    tokens = _tokens(sql)
    names: set[str] = set()
    for i, token in enumerate(tokens[:-2]):
        if token.word is None or tokens[i + 1].word != "as":
            continue
        following = tokens[i + 2]
        if following.word in {"materialized", "not"}:
            following = next((t for t in tokens[i + 3 : i + 5] if t.kind == "open"), following)
        if following.kind == "open":
            names.add(token.word)
    return names


def find_references(sql: str) -> list[TableReference]:
    """Every table referenced after FROM/JOIN, CTE names excluded, in order of appearance."""
    tokens = _tokens(sql)
    own_ctes = cte_names(sql)
    # One entry per open parenthesis: True when it is a function call's argument list.
    paren_is_call: list[bool] = []
    references: list[TableReference] = []
    previous: _Token | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "open":
            is_call = (
                previous is not None
                and previous.word is not None
                and previous.word not in _KEYWORDS_BEFORE_PAREN
            )
            paren_is_call.append(is_call)
        elif token.kind == "close" and paren_is_call:
            paren_is_call.pop()
        elif token.word == "select" and paren_is_call:
            paren_is_call[-1] = False  # a subquery inside a call, e.g. exists(...) or coalesce((select ...))
        elif token.word in {"from", "join"} and not (paren_is_call and paren_is_call[-1]):
            parts, after = _read_name(tokens, i + 1)
            is_table_function = after < len(tokens) and tokens[after].kind == "open"
            if parts and not is_table_function and not (len(parts) == 1 and parts[0] in own_ctes):
                references.append(
                    TableReference(
                        name=parts[-1],
                        schema=parts[-2] if len(parts) > 1 else None,
                        start=tokens[i + 1].start,
                        end=tokens[after - 1].end,
                    )
                )
            previous = tokens[after - 1] if parts else token
            i = after if parts else i + 1
            continue
        previous = token
        i += 1
    return references
