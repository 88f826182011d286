"""Split a document into statements whose offsets slice the original exactly.

Rules, in order of strength (docs/text-pipeline.md has the examples):

1. line breaks (paragraphs, one minutes item per line);
2. inside a line: an agenda heading (``วาระที่ ๓``), an inline numbered item (``1.``, ``๑.``,
   ``(2)``) or bullet (``•``), a speaker turn (``นายสมชาย ใจดี:``, ``ผู้แทนหอการค้า กล่าวว่า``),
   and ``?``/``!`` sentence ends;
3. a piece still longer than ``max_chars`` is cut at whitespace: Thai writes a space between
   clauses and sentences, so a space between two Thai characters is preferred; a space next to a
   number or Latin word (``ร้อยละ 7``) is used only when there is no Thai one. A piece with no
   whitespace at all within ``max_chars`` is left longer (it has no break to cut at).

Leading list markers (``1.``, ``-``, ``•``) are left out of the statement; pieces with no
letter or digit (``-----``, a lone emoji) are dropped. One pass with regular expressions over
each line and a greedy packer over the whitespace positions: linear in the document length.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from ..errors import UnknownEngineError, check_text

__all__ = [
    "DEFAULT_MAX_CHARS",
    "SEGMENT_ENGINES",
    "Statement",
    "clauses",
    "iter_statements",
    "segment",
]

DEFAULT_MAX_CHARS = 400
DEFAULT_MIN_CHARS = 40
SEGMENT_ENGINES = ("rules", "crfcut")

_LINE = re.compile(r"[^\n\r\u2028\u2029\x0b\x0c\x1c-\x1e\x85]+")
_NUM = r"[0-9๐-๙]{1,3}"
_SPEAKER_HEAD = (
    r"(?:นางสาว|นาย|นาง|น\.ส\.|ดร\.|ผศ\.|รศ\.|ศ\.|ผู้แทน|ผู้อำนวยการ|ประธาน|รองประธาน|เลขานุการ)"
)
# Whitespace after which a new statement starts inside a line (the cut is at the match end).
# Every alternative begins by consuming whitespace, so the engine only tries the lookaheads at
# spaces, not at every character (3x faster on the archive than lookbehinds).
_INLINE_BREAK = re.compile(
    r"(?:(?<=[?!？！])|(?<=[?!？！][\"”’)]))\s+"
    r"|\s+(?="
    r"วาระที่\s*" + _NUM + r"|(?:" + _NUM + r"[.)]|\(" + _NUM + r"\))\s"
    r"|[•●▪◦■□➢►✓]"
    r"|"
    + _SPEAKER_HEAD
    + r"[^\s:]{1,40}(?:\s[^\s:]{1,40}){0,3}?\s?(?:กล่าวว่า|เสนอว่า|ชี้แจงว่า|แจ้งว่า|:)"
    r")"
)
# Cheap tests that decide whether a line can hold an inline break at all; most lines of
# running prose cannot, and skipping the big pattern for them halves the cost of segment().
_BREAK_WORDS = (
    "?",
    "!",
    "？",
    "！",
    "วาระที่",
    ":",
    "กล่าวว่า",
    "เสนอว่า",
    "ชี้แจงว่า",
    "แจ้งว่า",
    "•",
    "●",
    "▪",
    "◦",
    "■",
    "□",
    "➢",
    "►",
    "✓",
)
_MAYBE_NUMBERED = re.compile(r"\s\(?[0-9๐-๙]{1,3}[.)]")
_MARKER = re.compile(r"(?:" + _NUM + r"[.)]|\(" + _NUM + r"\)|[-–—•●▪◦■□➢►✓*])\s+|[•●▪◦■□➢►✓]")
_HAS_WORD = re.compile(r"\w")
_CLOSING_NUM = re.compile(_NUM + r"\)")
_SPACE = re.compile(r"\s+")
_THAI = "\u0e01-\u0e4f"
# A conjunction that opens a clause only links it to the one before; it says nothing about
# what the clause asks for, and scoring it with the clause pulls the clause toward whatever
# themes the conjunction happened to co-occur with in training.
_CLAUSE_LINK = re.compile(f"(?:และ|แล้วก็|รวมทั้ง|รวมถึง|พร้อมทั้ง|อีกทั้ง|หรือ)\\s*(?=[{_THAI}])")
_THAI_GAP = re.compile(f"[{_THAI})\"”'’](\\s+)(?=[{_THAI}\"“'‘(])")


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a document: ``document[start:end] == text``."""

    start: int
    end: int
    text: str


def segment(
    document: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    min_chars: int = DEFAULT_MIN_CHARS,
    engine: Literal["rules", "crfcut"] = "rules",
) -> list[Statement]:
    """Split ``document`` into statements.

    Parameters
    ----------
    document : str
        Minutes, a report, a chat log, a survey answer. Empty text gives ``[]``.
    max_chars : int
        Pieces longer than this are cut at whitespace (see the module notes).
    min_chars : int
        When cutting a long piece, do not leave a statement shorter than this if a later
        cut point exists within ``max_chars``.
    engine : {"rules", "crfcut"}
        How long pieces are cut. ``"crfcut"`` asks PyThaiNLP's CRF sentence splitter
        (needs python-crfsuite; ~5x slower; splits after abbreviation dots).

    Returns
    -------
    list of Statement

    Examples
    --------
    >>> doc = "วาระที่ ๑ เรื่องแจ้ง\\n๑. ขอให้ขยายเวลาชำระหนี้\\n๒. อยากได้ช่องทางขายออนไลน์"
    >>> [s.text for s in segment(doc)]
    ['วาระที่ ๑ เรื่องแจ้ง', 'ขอให้ขยายเวลาชำระหนี้', 'อยากได้ช่องทางขายออนไลน์']
    """
    return list(iter_statements(document, max_chars=max_chars, min_chars=min_chars, engine=engine))


def iter_statements(
    document: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    min_chars: int = DEFAULT_MIN_CHARS,
    engine: Literal["rules", "crfcut"] = "rules",
) -> Iterator[Statement]:
    """Generator form of :func:`segment` (same arguments), for streaming long documents."""
    check_text(document, where="document")
    if engine not in SEGMENT_ENGINES:
        raise UnknownEngineError(
            f"unknown segment engine {engine!r}; valid engines: {', '.join(SEGMENT_ENGINES)}"
        )
    if max_chars < 1 or min_chars < 0:
        raise ValueError(f"max_chars must be >= 1 and min_chars >= 0, got {max_chars}, {min_chars}")
    for line in _LINE.finditer(document):
        ls, le = line.span()
        text = line.group()
        if any(w in text for w in _BREAK_WORDS) or _MAYBE_NUMBERED.search(text):
            bounds = [ls, *(b + ls for b in _inline_breaks(text)), le]
        else:
            bounds = [ls, le]
        for s, e in itertools.pairwise(bounds):
            piece = _trim(document, s, e)
            if piece is None:
                continue
            s, e = piece
            if e - s <= max_chars:
                yield Statement(s, e, document[s:e])
            elif engine == "crfcut":
                yield from _crf_split(document, s, e)
            else:
                yield from _pack(document, s, e, max_chars, min_chars)


def _inline_breaks(line: str) -> Iterator[int]:
    """Where statements start inside ``line``. "๖๕) " after an unclosed "(" closes a
    parenthesis — "วันนี้ (24 ม.ค. 65) เวลา …", the datelines of government releases — and is
    not a numbered item."""
    last = 0
    for m in _INLINE_BREAK.finditer(line):
        b = m.end()
        if _CLOSING_NUM.match(line, b):
            before = line[last : m.start()]
            if before.count("(") > before.count(")"):
                continue
        last = b
        yield b


def clauses(text: str, min_chars: int = 12) -> list[Statement]:
    """The clauses of one statement: pieces between whitespace that has Thai on both sides
    (Thai writes a space between clauses), merged until each has ``min_chars`` characters.
    A conjunction opening a clause (และ, แล้วก็, รวมทั้ง, หรือ …) is left out of it. Returns
    ``[]`` when there are fewer than two. Offsets are into ``text``.

    >>> [c.text for c in clauses("อยากได้สินเชื่อดอกเบี้ยต่ำ และช่วยหาช่องทางขายออนไลน์")]
    ['อยากได้สินเชื่อดอกเบี้ยต่ำ', 'ช่วยหาช่องทางขายออนไลน์']
    """
    out: list[Statement] = []
    start = 0
    gaps = [(m.start(1), m.end(1)) for m in _THAI_GAP.finditer(text)]
    for gs, ge in [*gaps, (len(text), len(text))]:
        if gs - start >= min_chars or (gs == len(text) and gs > start):
            if gs == len(text) and out and gs - start < min_chars:  # a short tail joins the last
                last = out.pop()
                out.append(Statement(last.start, gs, text[last.start : gs]))
            else:
                out.append(Statement(start, gs, text[start:gs]))
            start = ge
    if len(out) < 2:
        return []
    for k, c in enumerate(out):
        m = _CLAUSE_LINK.match(c.text)
        if m and m.end() < len(c.text):
            out[k] = Statement(c.start + m.end(), c.end, c.text[m.end() :])
    return out


def _trim(document: str, s: int, e: int) -> tuple[int, int] | None:
    """Drop surrounding whitespace and a leading list marker; ``None`` if nothing is left."""
    text = document[s:e]
    stripped = text.lstrip()
    s += len(text) - len(stripped)
    m = _MARKER.match(stripped)
    if m:
        s += m.end()
    e = s + len(document[s:e].rstrip())
    if e <= s or not _HAS_WORD.search(document, s, e):
        return None
    return s, e


def _pack(document: str, s: int, e: int, max_chars: int, min_chars: int) -> Iterator[Statement]:
    """Cut ``document[s:e]`` greedily at whitespace into pieces of at most ``max_chars``."""
    text = document[s:e]
    # (gap start, gap end, preferred?) for every whitespace run, in order
    thai_gaps = {m.start(1) for m in _THAI_GAP.finditer(text)}
    gaps = [(m.start(), m.end(), m.start() in thai_gaps) for m in _SPACE.finditer(text)]
    start = 0
    i = 0
    n = len(gaps)
    while len(text) - start > max_chars:
        best_any = best_thai = -1
        while i < n and gaps[i][0] - start <= max_chars:
            if gaps[i][0] > start:
                best_any = i
                if gaps[i][2] and gaps[i][0] - start >= min_chars:
                    best_thai = i
            i += 1
        pick = best_thai if best_thai >= 0 else best_any
        if pick < 0:  # no whitespace within max_chars: the piece runs to the next gap
            while i < n and gaps[i][0] <= start:
                i += 1
            if i == n:
                break
            pick = i
            i += 1
        else:
            i = pick + 1
        gs, ge, _ = gaps[pick]
        yield Statement(s + start, s + gs, text[start:gs])
        start = ge
    yield Statement(s + start, e, text[start:])


def _crf_split(document: str, s: int, e: int) -> Iterator[Statement]:
    from pythainlp.tokenize import sent_tokenize  # optional engine: import only when asked

    text = document[s:e]
    pos = 0
    sentences = [str(x) for x in sent_tokenize(text, engine="crfcut")]
    for sent in sentences:
        found = text.find(sent, pos)
        if found < 0:  # the engine changed the text: fall back to the rules for the rest
            yield from _pack(document, s + pos, e, DEFAULT_MAX_CHARS, DEFAULT_MIN_CHARS)
            return
        piece = _trim(document, s + found, s + found + len(sent))
        pos = found + len(sent)
        if piece is not None:
            yield Statement(piece[0], piece[1], document[piece[0] : piece[1]])
