"""The fuzz target: arbitrary bytes → text → every text stage and the classifier.

Used by ``fuzz_text.py`` (atheris, coverage-guided) and by ``tests/test_fuzz.py``, which
replays every saved input in ``tests/cases/fuzz/`` as a regression case. Kept free of atheris
so the replay runs anywhere.

The contract checked: for any ``str`` none of these functions raises, offsets always slice
back exactly, evidence spans slice the input; ``decode_bytes`` raises only
``ArchiveReadError``.
"""

from __future__ import annotations

from typing import Any

_MODEL: list[Any] = []


def text_of(data: bytes) -> str:
    """Bytes → str, several ways, chosen by the first byte (so the fuzzer explores all):
    UTF-8 with replacement; UTF-16-LE keeping lone surrogates; cp874 (Thai); code points
    taken two bytes at a time from the Thai block and its neighbours (dense Thai marks)."""
    if not data:
        return ""
    mode, rest = data[0] % 4, data[1:]
    if mode == 0:
        return rest.decode("utf-8", "replace")
    if mode == 1:
        return rest[: len(rest) // 2 * 2].decode("utf-16-le", "surrogatepass")
    if mode == 2:
        return rest.decode("cp874", "replace")
    return "".join(chr(0x0E00 + (b % 0x80) if b < 0xE0 else 0x200B + b % 8) for b in rest)


def one_input(data: bytes) -> None:
    from thaisme_nlp import Tokenizer, classify_feedback, normalize, normalize_with_offsets
    from thaisme_nlp.archive.readers import decode_bytes
    from thaisme_nlp.errors import ArchiveReadError
    from thaisme_nlp.text.segment import segment

    try:
        decode_bytes(data)
    except ArchiveReadError:
        pass

    text = text_of(data)
    norm = normalize(text)
    off = normalize_with_offsets(text)
    assert off.text == norm, (off.text, norm)
    for i in range(len(off.text)):
        s, e = off.to_original(i, i + 1)
        assert 0 <= s <= e <= len(text)
    for st in segment(text):
        assert text[st.start : st.end] == st.text
    if not _MODEL:
        from thaisme_nlp import load_model

        _MODEL.append(load_model())
        _MODEL.append(Tokenizer())
    last = 0
    for tok in _MODEL[1].tokenize_with_spans(text):  # spans into the original, in order
        assert last <= tok.start < tok.end <= len(text), (tok, last)
        last = tok.end
    r = classify_feedback(text, model=_MODEL[0])
    for t in r.themes:
        for e in t.evidence:
            assert text[e.start : e.end] == e.text
