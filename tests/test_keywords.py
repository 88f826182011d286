import pandas as pd
import pytest

from thaisme_nlp import extract_keywords
from thaisme_nlp.keywords import join_tokens

TEXTS = [
    "กลุ่มแม่บ้านอยากได้สินเชื่อดอกเบี้ยต่ำเพื่อซื้อวัตถุดิบ",
    "ขอสินเชื่อดอกเบี้ยต่ำให้วิสาหกิจชุมชน",
    "สินเชื่อดอกเบี้ยต่ำช่วยได้มาก",
    "ค่าขนส่งแพงมาก ส่งของไปต่างจังหวัดไม่คุ้ม",
    "ค่าขนส่งขึ้นราคาอีกแล้ว",
    "อยากขายผ่าน Shopee และ TikTok",
]


def test_overall_keywords_are_tidy_and_ranked():
    df = extract_keywords(TEXTS, top_n=5)
    assert list(df.columns) == ["group", "term", "score", "doc_freq"]
    assert len(df) == 5
    assert df["score"].is_monotonic_decreasing
    assert "สินเชื่อดอกเบี้ยต่ำ" in set(df["term"])
    row = df[df["term"] == "สินเชื่อดอกเบี้ยต่ำ"].iloc[0]
    assert row["doc_freq"] == 3


def test_thai_phrases_have_no_inner_space_and_latin_keeps_one():
    assert join_tokens(["ค่า", "ขนส่ง"]) == "ค่าขนส่ง"
    assert join_tokens(["ขาย", "tiktok", "live"]) == "ขาย tiktok live"
    terms = set(extract_keywords(TEXTS, top_n=50)["term"])
    assert "ค่าขนส่ง" in terms
    assert not any(
        " " in t
        for t in terms
        if t.isascii() is False and all("\u0e00" <= c <= "\u0e7f" for c in t.replace(" ", ""))
    )


def test_phrases_do_not_start_or_end_with_stopwords_or_cross_spaces():
    terms = set(extract_keywords(TEXTS, top_n=200)["term"])
    assert not any(t.startswith("และ") or t.endswith("และ") for t in terms)
    assert "แพงมากส่งของ" not in terms  # would cross the space between two clauses


def test_by_group_gives_keywords_per_group():
    groups = ["fin", "fin", "fin", "log", "log", "online"]
    df = extract_keywords(TEXTS, top_n=3, by=pd.Series(groups))
    assert set(df["group"]) == {"fin", "log", "online"}
    top = df.groupby("group")["term"].first()
    assert "สินเชื่อ" in top["fin"]
    assert "ขนส่ง" in top["log"]


def test_empty_and_bad_input():
    assert extract_keywords(["", "   "]).empty
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        extract_keywords(["ก", 5])
    with pytest.raises(ValueError, match="labels"):
        extract_keywords(TEXTS, by=["a"])
