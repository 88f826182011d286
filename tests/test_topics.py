import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from thaisme_nlp import Codebook, TopicModel
from thaisme_nlp.breakdowns import parse_thai_date, themes_by, themes_over_time, topics_by
from thaisme_nlp.errors import NotEnoughDataError, UnknownEngineError
from thaisme_nlp.topics import npmi_coherence, topic_diversity


@pytest.fixture(scope="module")
def rows():
    return [
        json.loads(x) for x in (ROOT / "corpora/feedback/feedback.jsonl").open(encoding="utf-8")
    ]


@pytest.fixture(scope="module")
def texts(rows):
    return [r["text"] for r in rows]


@pytest.fixture(scope="module")
def seeded(texts):
    return TopicModel(n_free_topics=3, random_state=0).fit(texts)


def test_seeded_topics_follow_their_themes(seeded):
    cb = Codebook.default()
    assert seeded.n_components_ == len(cb) + 3
    mapped = [m["theme"] for m in seeded.topic_theme_map_[: len(cb)]]
    # on the labelled corpus, most seeded topics keep their theme
    assert sum(m == t for m, t in zip(mapped, cb.ids)) >= 9
    terms = seeded.topic_terms(10)
    fin = terms[terms.topic == 0]["term"].tolist()
    assert any(t in fin for t in ("สินเชื่อ", "เงินกู้", "ดอกเบี้ย", "ธพว."))


def test_same_seed_same_topics(texts, seeded):
    again = TopicModel(n_free_topics=3, random_state=0).fit(texts)
    np.testing.assert_allclose(again.components_, seeded.components_)
    assert again.topic_terms(10).equals(seeded.topic_terms(10))


def test_transform_and_quality(seeded, texts):
    w = seeded.transform(["ขอสินเชื่อ เงินกู้ ดอกเบี้ย ธนาคาร", "", "😀"])
    assert w.shape == (3, seeded.n_components_)
    assert seeded.topic_theme_map_[int(w[0].argmax())]["theme"] == "financing"
    assert w[1].sum() == 0 and w[2].sum() == 0
    coh = seeded.coherence(10)
    assert len(coh) == seeded.n_components_ and coh["npmi"].between(-1, 1).all()
    assert 0 < seeded.diversity(10) <= 1
    assert seeded.coherence(10, reference=texts[:500])["npmi"].between(-1, 1).all()


def test_unseeded_and_lda(texts):
    nmf = TopicModel(seeded=False, n_topics=8).fit(texts)
    lda = TopicModel(seeded=False, n_topics=8, method="lda", max_iter=10).fit(texts)
    assert nmf.n_components_ == lda.n_components_ == 8
    assert lda.transform(["ขอสินเชื่อ"]).sum() == pytest.approx(1.0)


def test_emerging_topics_are_those_no_theme_covers(seeded, texts):
    em = seeded.emerging_topics(texts)
    uncovered = {m["topic"] for m in seeded.topic_theme_map_ if m["theme"] is None}
    assert set(em["topic"]) == uncovered
    # a topic made of something the codebook lacks appears as emerging
    extra = ["ฝุ่นควันไฟป่าทำให้นักท่องเที่ยวยกเลิกทัวร์โฮมสเตย์"] * 40 + ["ช่วงฝุ่นควันไฟป่าโฮมสเตย์ไม่มีแขกเลย"] * 40
    tm = TopicModel(n_free_topics=2, random_state=0).fit(list(texts) + extra)
    em = tm.emerging_topics(list(texts) + extra)
    joined = " ".join(" ".join(t) for t in em["terms"])
    assert "ฝุ่น" in joined or "ไฟป่า" in joined or "โฮมสเตย์" in joined


def test_sweep(texts):
    df = TopicModel(n_free_topics=0, max_iter=200).sweep(texts[:800], [0, 2])
    assert list(df["n_topics"]) == [12, 14]
    assert {"npmi", "diversity", "seconds"} <= set(df.columns)


def test_too_few_documents_says_how_many():
    with pytest.raises(
        NotEnoughDataError, match=r"17 topics need at least 51 documents.*got 0 \(3 of 3"
    ):
        TopicModel().fit(["ขอสินเชื่อ", "ขนส่ง", "   "])
    with pytest.raises(UnknownEngineError, match="nmf, lda"):
        TopicModel(method="bertopic").fit(["ก"] * 100)


def test_empty_and_short_documents_are_counted(texts):
    base = TopicModel(n_free_topics=1, min_df=1).fit(list(texts[:300]))
    tm = TopicModel(n_free_topics=1, min_df=1).fit(list(texts[:300]) + ["", "   ", "!!!", "พิมพ์"])
    assert tm.n_empty_documents_ == base.n_empty_documents_ + 4
    assert tm.n_documents_ == 304


def test_npmi_and_diversity_definitions():
    b = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [0, 0, 1]])
    assert npmi_coherence(b, [np.array([0, 1])])[0] == pytest.approx(1.0)
    assert npmi_coherence(b, [np.array([0, 2])])[0] == -1.0
    assert topic_diversity([np.array([0, 1]), np.array([1, 2])]) == 0.75


@pytest.mark.parametrize(
    "text, expected",
    [
        ("วันพฤหัสบดีที่ ๑๔ มีนาคม พ.ศ. ๒๕๖๗", date(2024, 3, 14)),
        ("3 ก.ย. 2563", date(2020, 9, 3)),
        ("14 มี.ค. 67", date(2024, 3, 14)),
        ("พ.ศ. 2563", date(2020, 1, 1)),
        ("ปี 2566", date(2023, 1, 1)),
        ("2024-03-14", date(2024, 3, 14)),
        ("14/03/2567", date(2024, 3, 14)),
        ("1 มกราคม ค.ศ. 2024", date(2024, 1, 1)),
        ("31 ก.พ. 2567", None),
        ("ไม่ระบุ", None),
        (None, None),
    ],
)
def test_thai_dates(text, expected):
    assert parse_thai_date(text) == expected


def test_breakdowns(rows):
    df = pd.DataFrame(
        {
            "themes": [r["labels"] for r in rows],
            "register": [r["register"] for r in rows],
            "date": ["มีนาคม 2566" if i % 2 else "๕ ม.ค. ๒๕๖๗" for i in range(len(rows))],
        }
    )
    by = themes_by(df, "register")
    assert {"register", "theme", "count", "share", "n_statements"} <= set(by.columns)
    chat = by[(by.register == "chat") & (by.theme == "online_marketing")].iloc[0]
    expected = sum(1 for r in rows if r["register"] == "chat" and "online_marketing" in r["labels"])
    assert chat["count"] == expected
    assert chat["share"] == pytest.approx(expected / sum(r["register"] == "chat" for r in rows))
    t = themes_over_time(df, "date", freq="YS")
    assert sorted(t["period"].dt.year.unique()) == [2023, 2024]
    w = np.eye(3)[[0, 1, 1, 2]]
    tb = topics_by(w, ["a", "a", "b", "b"])
    assert tb[(tb.group == "a") & (tb.topic == 1)]["dominant_share"].iloc[0] == 0.5


def test_phrase_terms_only_join_adjacent_words():
    # a stopword between two words must end the phrase, not vanish from it (the default
    # Tokenizer drops stopwords, so phrases are cut with a tokenizer that keeps them)
    from thaisme_nlp import Tokenizer

    tm = TopicModel(ngram_max=2)
    tm.tokenizer_ = Tokenizer()
    (terms,) = tm._terms(["กลุ่มขอเงินทุนเพื่อขยายกิจการ"])
    assert "เงินทุน" in terms
    assert "เงินทุนขยายกิจการ" not in terms and "เงินทุนขยาย" not in terms
