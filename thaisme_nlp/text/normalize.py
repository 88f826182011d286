"""Normalization of Thai text, with an offset map back to the original.

Decision (see docs/text-pipeline.md): normalization is *not* length-preserving. Removing
zero-width characters, composing sara am and folding whitespace all change the length. Instead
:func:`normalize_with_offsets` returns, for every character of the normalized text, the span of
the original text it came from, so evidence found on normalized text is reported as a span of
the user's original input. :func:`normalize` is the same rules at C speed with no map.

Each rule is one regular expression and a replacement, applied in a fixed order; both functions
run the same list, so they cannot drift apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import Any, TypeVar

from ..errors import check_text

__all__ = ["NormalizeConfig", "OffsetText", "normalize", "normalize_with_offsets"]

_TONES = "\u0e48\u0e49\u0e4a\u0e4b"  # ่ ้ ๊ ๋
_ABOVE_BELOW = "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39"  # ั ิ ี ึ ื ุ ู
_MARKS = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"  # every Thai combining mark


@dataclass(frozen=True)
class NormalizeConfig:
    """Which normalization rules run. All on by default.

    Parameters
    ----------
    nfc : bool
        Unicode NFC (composes Latin accents; orders Thai below-vowels before tone marks).
    remove_invisible : bool
        Drop zero-width space/non-joiner, word joiner, BOM, soft hyphen and C0/C1 control
        characters (a zero-width joiner inside an emoji sequence is kept).
    fix_thai : bool
        Fix common Thai typing errors: decomposed sara am (ํ + า → ำ), tone mark typed before an
        above/below vowel, a doubled mark, two tone marks in a row (the last wins), and two
        sara e typed for sara ae (เเ → แ).
    thai_digits : bool
        Thai digits ๐–๙ → 0–9.
    fold_repeats : bool
        A Thai letter repeated three or more times (chat elongation, แพงมากกก) → one.
    fold_whitespace : bool
        Runs of whitespace → one space, or one newline when the run holds a line break;
        leading and trailing whitespace removed.
    """

    nfc: bool = True
    remove_invisible: bool = True
    fix_thai: bool = True
    thai_digits: bool = True
    fold_repeats: bool = True
    fold_whitespace: bool = True


DEFAULT_CONFIG = NormalizeConfig()

Repl = Callable[[re.Match[str]], str]


def _const(s: str) -> Repl:
    return lambda m: s


def _group(template: str) -> Repl:
    return lambda m: m.expand(template)


def _ws(m: re.Match[str]) -> str:
    return "\n" if "\n" in m.group() else " "


_THAI_DIGITS = {ord(c): ord("0") + i for i, c in enumerate("๐๑๒๓๔๕๖๗๘๙")}


# (config flag, pattern, replacement). Order matters: invisible characters go first so that
# they cannot hide a typing error from the Thai rules (ก\u200b่ า).
def _mark_run(run: str) -> str:
    """Canonical form of a run of Thai combining marks: between signs that stay where they are
    (็ ์ ํ ๎), the above/below vowels and phinthu come first (in NFC order), then the tone
    mark — the last of several wins — and a mark repeated next to itself is kept once.

    One pass, and its result is a fixed point: the separate rules it replaces (doubled mark;
    tone typed before a vowel; two tones in a row) could each undo what another left, so
    ``normalize`` was not idempotent: "่้ั" became "่ั้" in one pass and "ั้" in the next.
    """
    out: list[str] = []
    vowels: list[str] = []
    tone = ""

    def put(c: str) -> None:
        if not out or out[-1] != c:
            out.append(c)

    def flush() -> None:
        # NFC order inside the group (phinthu ccc 9 < below vowels 103 < tones 107)
        for v in unicodedata.normalize("NFC", "".join(vowels)):
            put(v)
        if tone:
            put(tone)

    for c in run:
        if c in _TONES:
            tone = c
        elif c in _ABOVE_BELOW or c == "\u0e3a":
            vowels.append(c)
        else:
            flush()
            vowels, tone = [], ""
            put(c)
    flush()
    return "".join(out)


_RULES: list[tuple[str, re.Pattern[str], Repl]] = [
    (
        "remove_invisible",
        re.compile(
            "[\u200b\u200c\u2060\ufeff\u00ad\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]"
            "|\u200d(?![\u2600-\u27bf\U0001f000-\U0001ffff])"
        ),
        _const(""),
    ),
    # a run of marks on one consonant, in the order a careful typist leaves it
    ("fix_thai", re.compile(f"[{_MARKS}]{{2,}}"), lambda m: _mark_run(m.group())),
    # ํ (nikhahit) + optional tone + า  → tone + ำ  ;  tone + ํ + า is covered too
    ("fix_thai", re.compile(f"\u0e4d([{_TONES}]?)\u0e32"), _group("\\1\u0e33")),
    ("fix_thai", re.compile("\u0e40\u0e40"), _const("\u0e41")),
    # three or more of the same Thai letter or vowel (not digits, not ๆ which is fine doubled)
    ("fold_repeats", re.compile("([\u0e01-\u0e45\u0e47-\u0e4e])\\1{2,}"), _group("\\1")),
    ("fold_whitespace", re.compile(r"\s*\n\s*|[^\S\n]{2,}|[^\S\n ]"), _ws),
]


# The rules by flag, in order. The Thai rules run again until nothing changes (a sara am
# composed from ํ + tone + า can leave two tones side by side, which the mark-run rule then
# settles); three passes are more than any real text needs.
_GROUPS: list[tuple[str, list[tuple[str, re.Pattern[str], Repl]]]] = []
for _rule in _RULES:
    if _GROUPS and _GROUPS[-1][0] == _rule[0]:
        _GROUPS[-1][1].append(_rule)
    else:
        _GROUPS.append((_rule[0], [_rule]))
_PASSES = {"fix_thai": 3, "remove_invisible": 1, "fold_repeats": 1, "fold_whitespace": 1}

_State = TypeVar("_State")


def _run_rules(
    cfg: NormalizeConfig,
    state: _State,
    apply: Callable[[re.Pattern[str], Repl, _State], _State],
    text_of: Callable[[_State], str],
) -> _State:
    """The enabled rule groups in order, each repeated (up to its number of passes) until a
    pass changes nothing. ``state`` is the text for :func:`normalize` and the text with its
    offset map for :func:`normalize_with_offsets`; ``apply`` runs one rule on it."""
    for flag, rules in _GROUPS:
        if not getattr(cfg, flag):
            continue
        for _ in range(_PASSES[flag]):
            before = text_of(state)
            for _, pattern, repl in rules:
                state = apply(pattern, repl, state)
            if text_of(state) == before:
                break
    return state


# Anything any rule could change. Most statements hold none of it, and a few searches that
# each start with one character class (which the regex engine scans for quickly) cost much less
# than running every rule; the tokenizer normalizes every statement of an archive.
_TRIGGERS = [
    re.compile(
        "[\u200b\u200c\u200d\u2060\ufeff\u00ad\u0000-\u0008\u000b\u000c\u000e-\u001f"
        "\u007f-\u009f\u0e4d\u0e50-\u0e59\t\n\r\u00a0\u2000-\u200a\u3000\u1680\u2028\u2029"
        "\u202f\u205f\u0085\u001c-\u001e]"
    ),
    re.compile(f"[{_TONES}][{_ABOVE_BELOW}{_TONES}]"),
    re.compile(f"([{_MARKS}])\\1"),
    re.compile("([\u0e01-\u0e45\u0e47-\u0e4e])\\1\\1"),
]


def _clean(text: str) -> bool:
    """True when no rule of the default configuration would change ``text`` (but its ends)."""
    if "  " in text or "\u0e40\u0e40" in text:
        return False
    return not any(t.search(text) for t in _TRIGGERS)


def _resolve(config: NormalizeConfig | None, overrides: dict[str, Any]) -> NormalizeConfig:
    config = config or DEFAULT_CONFIG
    return replace(config, **overrides) if overrides else config


def normalize(text: str, config: NormalizeConfig | None = None, **overrides: Any) -> str:
    """Normalize Thai text for matching and tokenization.

    Parameters
    ----------
    text : str
        Any text. ``bytes`` raise an error asking to decode first.
    config : NormalizeConfig, optional
        Rules to apply; keyword ``overrides`` change single fields
        (``normalize(t, thai_digits=False)``).

    Returns
    -------
    str
        The normalized text. Use :func:`normalize_with_offsets` to map spans back.

    Examples
    --------
    >>> normalize("เเปลก  มากกกก\u200b ๒๕๖๗")
    'แปลก มาก 2567'
    >>> normalize("ทํา")  # nikhahit + sara aa typed separately
    'ทำ'
    """
    check_text(text)
    cfg = _resolve(config, overrides)
    if cfg.nfc and not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    elif cfg == DEFAULT_CONFIG and _clean(text):
        return text.strip()
    text = _run_rules(cfg, text, lambda pattern, repl, t: pattern.sub(repl, t), lambda t: t)
    if cfg.thai_digits:
        text = text.translate(_THAI_DIGITS)
    if cfg.fold_whitespace:
        text = text.strip()
    return text


@dataclass(frozen=True)
class OffsetText:
    """Normalized text with the original span of each of its characters.

    ``starts[i]``/``ends[i]`` are the original start/end of normalized character ``i``.
    """

    original: str
    text: str
    starts: list[int]
    ends: list[int]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span ``[start, end)`` of :attr:`text` to a span of :attr:`original`."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) outside 0..{len(self.text)}")
        if start == end:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def _apply(
    pattern: re.Pattern[str], repl: Repl, text: str, starts: list[int], ends: list[int]
) -> tuple[str, list[int], list[int]]:
    """One rule over the text, keeping the offset map."""
    edits = ((m.start(), m.end(), repl(m)) for m in pattern.finditer(text))
    return _edit(edits, text, starts, ends)


def _edit(
    edits: Iterable[tuple[int, int, str]], text: str, starts: list[int], ends: list[int]
) -> tuple[str, list[int], list[int]]:
    """Replace the spans ``(s, e, replacement)`` (in order, not overlapping) and carry the map.
    A replacement no longer than its span maps position by position and its last character
    takes the rest of the span, so spans stay in order and never overlap (a reordering keeps
    the set of positions); a longer one maps every character to the whole span."""
    pieces: list[str] = []
    new_s: list[int] = []
    new_e: list[int] = []
    last = 0
    for s, e, r in edits:
        if r == text[s:e]:
            continue
        pieces.append(text[last:s])
        new_s.extend(starts[last:s])
        new_e.extend(ends[last:s])
        pieces.append(r)
        k = len(r)
        if k and k <= e - s:  # kept or shrunk: position by position, the last takes the rest
            new_s.extend(starts[s : s + k])
            new_e.extend(ends[s : s + k - 1])
            new_e.append(ends[e - 1])
        elif k:  # grown (a character NFC decomposes): all map to the whole span
            new_s.extend([starts[s]] * k)
            new_e.extend([ends[e - 1]] * k)
        last = e
    if last == 0 and not pieces:
        return text, starts, ends
    pieces.append(text[last:])
    new_s.extend(starts[last:])
    new_e.extend(ends[last:])
    return "".join(pieces), new_s, new_e


def _is_follower(c: str) -> bool:
    o = ord(c)
    return bool(unicodedata.combining(c)) or 0x1160 <= o <= 0x11FF or 0xD7B0 <= o <= 0xD7FF


def _starter_runs(text: str) -> Iterator[tuple[int, int, str]]:
    """Each run of a starter and the characters that combine with it, with its NFC."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and _is_follower(text[j]):
            j += 1
        yield i, j, unicodedata.normalize("NFC", text[i:j])
        i = j


def normalize_with_offsets(
    text: str, config: NormalizeConfig | None = None, **overrides: Any
) -> OffsetText:
    """Like :func:`normalize`, but keep where each character came from.

    Examples
    --------
    >>> o = normalize_with_offsets("ก\u200bข  ค")
    >>> o.text
    'กข ค'
    >>> o.to_original(3, 4)
    (5, 6)
    """
    check_text(text)
    cfg = _resolve(config, overrides)
    original = text
    starts = list(range(len(text)))
    ends = list(range(1, len(text) + 1))
    if cfg.nfc and not text.isascii() and not unicodedata.is_normalized("NFC", text):
        # NFC per cluster (a base character and the combining marks after it) keeps the map.
        cluster = re.compile(
            r".[\u0300-\u036f\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+",
            re.S,
        )
        text, starts, ends = _apply(
            cluster, lambda m: unicodedata.normalize("NFC", m.group()), text, starts, ends
        )
        if not unicodedata.is_normalized("NFC", text):
            # what the fast path misses: a character whose NFC is not itself (composition
            # exclusions such as U+0A33 decompose), marks outside the ranges above, Hangul
            # jamo that compose across characters. NFC per starter and its followers.
            text, starts, ends = _edit(_starter_runs(text), text, starts, ends)
    text, starts, ends = _run_rules(
        cfg,
        (text, starts, ends),
        lambda pattern, repl, st: _apply(pattern, repl, *st),
        itemgetter(0),
    )
    if cfg.thai_digits:
        text = text.translate(_THAI_DIGITS)
    if cfg.fold_whitespace:
        lead = len(text) - len(text.lstrip())
        stripped = text.strip()
        starts = starts[lead : lead + len(stripped)]
        ends = ends[lead : lead + len(stripped)]
        text = stripped
    return OffsetText(original, text, starts, ends)
