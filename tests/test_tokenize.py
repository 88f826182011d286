import pickle

import pytest
from hangguard import run_with_limit

from thaisme_nlp import Tokenizer
from thaisme_nlp.errors import InputTypeError, UnknownEngineError
from thaisme_nlp.resources import domain_words

ENGINES = ["nlpo3", "newmm"]
SENTENCE = "วิสาหกิจชุมชนอยากขายผ่านอีคอมเมิร์ซและตลาดออนไลน์"


@pytest.mark.parametrize("engine", ENGINES)
def test_domain_terms_are_single_tokens(engine):
    toks = Tokenizer(engine)(SENTENCE)
    for term in ("วิสาหกิจชุมชน", "อีคอมเมิร์ซ", "ตลาดออนไลน์"):
        assert term in toks


def test_without_domain_dictionary_they_split():
    # the reason the domain dictionary exists
    toks = Tokenizer(domain_dict=False, stopwords=False)(SENTENCE)
    assert "วิสาหกิจชุมชน" not in toks and "ตลาดออนไลน์" not in toks


def test_domain_dictionary_is_large_and_clean():
    words = domain_words()
    assert len(words) >= 300
    for w in ("กสอ.", "สสว.", "บสย.", "ธพว.", "มผช.", "Shopee", "Lazada", "TikTok", "Kerry"):
        assert w in words


def test_engines_agree_on_every_domain_term():
    a, b = Tokenizer("nlpo3", stopwords=False), Tokenizer("newmm", stopwords=False)
    terms = sorted(w for w in domain_words() if not any(c.isspace() for c in w))
    text = " ".join(terms)
    assert a(text) == b(text)


def test_extra_words_and_dict_file(tmp_path):
    text = "กลุ่มทอผ้าบ้านนาคำทำผ้าขิดลายนาคเกี้ยว"
    assert "ลายนาคเกี้ยว" not in Tokenizer()(text)
    assert "ลายนาคเกี้ยว" in Tokenizer(extra_words=["ลายนาคเกี้ยว"])(text)
    f = tmp_path / "words.txt"
    f.write_text("# my words\nลายนาคเกี้ยว\n", encoding="utf-8")
    tok = Tokenizer("newmm", dict_file=f)
    assert "ลายนาคเกี้ยว" in tok(text)
    # extra words add to the default dictionary, they do not replace it
    assert "ทอผ้า" in tok(text) or "ผ้า" in tok(text)


def test_pickle_round_trip_with_extra_words():
    tok = Tokenizer(extra_words=["ลายนาคเกี้ยว"], stopwords=["ขาย"])
    tok("warm up the loaded state")
    again = pickle.loads(pickle.dumps(tok))
    assert again == tok
    text = "ขายผ้าลายนาคเกี้ยว"
    assert again(text) == tok(text) == ["ผ้า", "ลายนาคเกี้ยว"]


def test_in_a_sklearn_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["ขอสินเชื่อดอกเบี้ยต่ำ", "ค่าขนส่งแพง", "สินเชื่ออนุมัติช้า", "ขนส่งของแตก"] * 3
    y = [1, 0, 1, 0] * 3
    pipe = make_pipeline(
        TfidfVectorizer(tokenizer=Tokenizer(), token_pattern=None, lowercase=False),
        LogisticRegression(),
    )
    pipe.fit(texts, y)
    assert list(pipe.predict(["อยากได้สินเชื่อ", "ขนส่งช้า"])) == [1, 0]
    assert pickle.loads(pickle.dumps(pipe)).predict(["สินเชื่อ"])[0] == 1


def test_filters_and_options():
    text = "ขาย Shopee ราคา 150 บาท!!! 😂"
    assert Tokenizer(stopwords=False)(text) == ["ขาย", "shopee", "ราคา", "บาท", "😂"]
    assert "Shopee" in Tokenizer(lowercase=False)(text)
    assert "150" in Tokenizer(keep_numbers=True)(text)
    assert "!!!" in Tokenizer(keep_punct=True, stopwords=False)(text) or "!" in Tokenizer(
        keep_punct=True, stopwords=False
    )(text)


def test_stopwords_switch():
    text = "อยากให้ช่วยเรื่องการตลาดครับ"
    with_stop = Tokenizer()(text)
    without = Tokenizer(stopwords=False)(text)
    assert "ครับ" in without and "ครับ" not in with_stop


def test_spans_point_into_the_original():
    raw = "  ทํางาน\u200bกับ  อีคอมเมิร์ซ ๒๕๖๗"
    toks = Tokenizer(stopwords=False, keep_numbers=True).tokenize_with_spans(raw)
    assert [t.text for t in toks] == ["ทำงาน", "กับ", "อีคอมเมิร์ซ", "2567"]
    assert [raw[t.start : t.end] for t in toks] == ["ทํางาน", "กับ", "อีคอมเมิร์ซ", "๒๕๖๗"]


def test_unknown_engine():
    with pytest.raises(UnknownEngineError, match="nlpo3, newmm"):
        Tokenizer("deepcut")


@pytest.mark.parametrize("bad", [b"abc", None, 3.5])
def test_bad_input(bad):
    with pytest.raises(InputTypeError, match=type(bad).__name__):
        Tokenizer()(bad)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty(text):
    assert Tokenizer()(text) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_mixed_scripts(engine):
    toks = Tokenizer(engine, stopwords=False)("ขายผ่าน TikTok ได้ 2,000 ชิ้น 🎉 ส่ง Flash Express")
    assert "tiktok" in toks and "flash" in toks and "🎉" in toks


@pytest.mark.parametrize("engine", ENGINES)
def test_one_megabyte_without_spaces_does_not_hang(engine):
    text = "วิสาหกิจชุมชนขอสินเชื่อเพื่อซื้อเครื่องจักร" * 25_000  # ~1 M chars, no space
    toks = run_with_limit(lambda: Tokenizer(engine)(text), 240)
    assert toks.count("วิสาหกิจชุมชน") >= 24_000
