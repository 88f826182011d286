"""Property-based tests: arbitrary Unicode never breaks the text stages or classification.

Thai combining marks in odd orders, zero-width characters, RTL text, surrogates, control
characters: only the documented errors, no hang, and segment offsets always slice back.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thaisme_nlp import Tokenizer, classify_feedback, normalize, normalize_with_offsets, segment
from thaisme_nlp.text.segment import clauses

THAI = st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B)
ODD = st.sampled_from(
    list(
        "\u200b\u200c\u200d\u2060\ufeff\u00ad\u0e48\u0e49\u0e4a\u0e4b\u0e31\u0e34\u0e4d\u0e32\u0e40"
    )
    + ["\n", "\r\n", "\t", " ", "  ", "1.", "๑.", "(2)", "•", "-", ":", "?", "!", "วาระที่ ๑", "นาย"]
    + ["\u202e", "\u0627", "\U0001f600", "\x00", "\x07", "\ud800"]
)
TEXT = st.lists(st.one_of(THAI, ODD, st.characters()), max_size=300).map("".join)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(TEXT)
def test_normalize_never_fails_and_is_idempotent(text):
    out = normalize(text)
    assert normalize(out) == out
    off = normalize_with_offsets(text)
    assert off.text == out
    for i in range(len(out)):
        s, e = off.to_original(i, i + 1)
        assert 0 <= s < e <= len(text)


@FAST
@given(TEXT)
def test_segment_offsets_always_slice_back(text):
    for s in segment(text, max_chars=50, min_chars=5):
        assert text[s.start : s.end] == s.text
        assert s.text.strip() == s.text and s.text
    for c in clauses(text):
        assert text[c.start : c.end] == c.text


@FAST
@given(TEXT)
def test_tokenizer_spans_slice_the_input(text):
    tok = Tokenizer(stopwords=False, keep_numbers=True, keep_punct=True)
    toks = tok.tokenize_with_spans(text)
    assert [t.text for t in toks] == tok(text)
    for t in toks:
        assert 0 <= t.start < t.end <= len(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_classify_feedback_on_anything(text):
    r = classify_feedback(text)
    for t in r.themes:
        assert 0.0 <= t.score <= 1.0
        for e in t.evidence:
            assert text[e.start : e.end] == e.text
    r.to_dict()


@pytest.mark.parametrize("bad", [None, 1, 2.5, b"x", ["x"], object()])
def test_only_documented_errors(bad):
    for fn in (normalize, segment, Tokenizer()):
        with pytest.raises(TypeError):
            fn(bad)


def test_threads_give_the_serial_results():
    import json
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    from thaisme_nlp.persist import load_model

    rows = Path(__file__).resolve().parents[1] / "corpora/feedback/feedback.jsonl"
    texts = [json.loads(x)["text"] for x in rows.open(encoding="utf-8")][::13]
    model = load_model()  # a fresh instance: its lazy caches are built under contention
    with ThreadPoolExecutor(8) as pool:
        parallel = list(pool.map(lambda t: classify_feedback(t, model=model).to_dict(), texts))
    serial = [classify_feedback(t, model=model).to_dict() for t in texts]
    assert parallel == serial
