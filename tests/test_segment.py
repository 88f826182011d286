import json

import pytest
from conftest import CASES, thaigov_docs
from hangguard import run_with_limit

from thaisme_nlp import segment
from thaisme_nlp.errors import UnknownEngineError
from thaisme_nlp.text.segment import DEFAULT_MAX_CHARS

CASES_S = json.loads((CASES / "segment.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES_S, ids=[c["note"] for c in CASES_S])
def test_segment_cases(case):
    got = segment(case["text"])
    assert [s.text for s in got] == case["expected"]
    for s in got:
        assert case["text"][s.start : s.end] == s.text


def test_long_paragraph_is_cut_at_thai_spaces():
    para = " ".join(["ผู้ประกอบการในจังหวัดยโสธรขอให้ช่วยหาตลาดข้าวอินทรีย์"] * 30)
    got = segment(para, max_chars=120)
    assert len(got) > 5
    assert all(len(s.text) <= 120 for s in got)
    assert all(para[s.start : s.end] == s.text for s in got)


def test_prefers_thai_gap_over_number_gap():
    text = "ก" * 50 + " ร้อยละ 7 " + "ข" * 30 + " " + "ค" * 40
    got = segment(text, max_chars=100, min_chars=10)
    assert got[0].text.endswith("ข" * 30)


def test_no_break_at_all_stays_whole():
    text = "ก" * 5000
    got = segment(text, max_chars=100)
    assert [(s.start, s.end) for s in got] == [(0, 5000)]


def test_bad_engine_lists_valid_ones():
    with pytest.raises(UnknownEngineError, match="rules, crfcut"):
        segment("ก", engine="nope")


def test_crfcut_engine_keeps_offsets():
    pytest.importorskip("pycrfsuite")
    text = "ผู้แทนกลุ่มแม่บ้านขอให้ช่วยเรื่องเงินทุนหมุนเวียนเพราะต้องซื้อวัตถุดิบล่วงหน้า " * 10
    got = segment(text, max_chars=100, engine="crfcut")
    assert got and all(text[s.start : s.end] == s.text for s in got)


def test_hostile_input_does_not_hang():
    nasty = ("ก่" * 200_000) + ("\n" * 1000) + ("1. " * 10_000) + "🙂" * 10_000
    got = run_with_limit(lambda: segment(nasty), 60)
    assert all(nasty[s.start : s.end] == s.text for s in got)


@pytest.mark.slow
def test_thaigov_archive_offsets_and_bound():
    docs = thaigov_docs()
    assert len(docs) == 3939
    n = over = 0
    for d in docs:
        text = d["text"]
        for s in segment(text):
            n += 1
            assert text[s.start : s.end] == s.text
            if len(s.text) > DEFAULT_MAX_CHARS:
                over += 1
                # only a piece with no whitespace inside the bound may exceed it
                assert not any(c.isspace() for c in s.text[1:DEFAULT_MAX_CHARS])
    assert n > 100_000
    print(f"thaigov: {n} statements, {over} longer than {DEFAULT_MAX_CHARS} (no break)")
