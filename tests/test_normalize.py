import json

import pytest
from conftest import CASES

from thaisme_nlp import normalize, normalize_with_offsets
from thaisme_nlp.errors import InputTypeError

CASES_N = json.loads((CASES / "normalize.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES_N, ids=[c["note"] for c in CASES_N])
def test_normalize_cases(case):
    if case.get("known_failure"):
        pytest.xfail(case["note"])
    assert normalize(case["text"]) == case["expected"]


@pytest.mark.parametrize("case", CASES_N, ids=[c["note"] for c in CASES_N])
def test_offset_version_agrees_and_maps_back(case):
    off = normalize_with_offsets(case["text"])
    assert off.text == normalize(case["text"])
    assert len(off.starts) == len(off.ends) == len(off.text)
    for i in range(len(off.text)):
        s, e = off.to_original(i, i + 1)
        assert 0 <= s < e <= len(case["text"])
    if off.text:
        s, e = off.to_original(0, len(off.text))
        assert case["text"][s:e].strip() == case["text"].strip().lstrip("\ufeff")


def test_spans_map_to_what_the_user_typed():
    raw = "  ทํางาน\u200bกับ  อีคอมเมิร์ซ"
    off = normalize_with_offsets(raw)
    i = off.text.index("อีคอมเมิร์ซ")
    s, e = off.to_original(i, i + len("อีคอมเมิร์ซ"))
    assert raw[s:e] == "อีคอมเมิร์ซ"
    j = off.text.index("ทำงาน")
    s, e = off.to_original(j, j + 5)
    assert raw[s:e] == "ทํางาน"  # the original, decomposed spelling


def test_options_switch_rules_off():
    assert normalize("๑๒ มากกก", thai_digits=False, fold_repeats=False) == "๑๒ มากกก"


@pytest.mark.parametrize("bad", [b"\xe0\xb8\x81", 12, None, ["ก"]])
def test_wrong_types(bad):
    with pytest.raises(TypeError) as e:
        normalize(bad)
    assert type(bad).__name__ in str(e.value)
    assert isinstance(e.value, InputTypeError)


def test_bytes_message_says_decode():
    with pytest.raises(TypeError, match="cp874"):
        normalize("ขนส่ง".encode("tis-620"))


def test_offsets_survive_characters_that_nfc_decomposes():
    # found by fuzzing: U+0A33 is a composition exclusion (NFC gives U+0A32 U+0A3C); the map of
    # the whole text used to collapse to one span
    from thaisme_nlp import normalize, normalize_with_offsets

    text = "วาระที่ ๓ \u0a33 ขอกู้เงิน"
    o = normalize_with_offsets(text)
    assert o.text == normalize(text)
    k = o.text.index("ขอ")
    assert o.to_original(k, k + 2) == (text.index("ขอ"), text.index("ขอ") + 2)
    j = o.text.index("\u0a32")
    assert o.to_original(j, j + 2) == (text.index("\u0a33"), text.index("\u0a33") + 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # found by hypothesis: one pass of the old separate rules left "่ั้", the next "ั้"
        ("\u0e48\u0e49\u0e31", "\u0e31\u0e49"),
        ("ก\u0e31\u0e48\u0e31", "ก\u0e31\u0e48"),  # the vowel typed twice around the tone
        ("ก\u0e48\u0e38\u0e49\u0e34", "ก\u0e38\u0e34\u0e49"),  # vowels first, the last tone wins
        ("ก\u0e49\u0e4c\u0e48", "ก\u0e49\u0e4c\u0e48"),  # a thanthakhat stays between them
        ("\u0e48\u0e31\u0e3a", "\u0e31\u0e3a\u0e48"),  # phinthu in NFC order, before the tone
    ],
)
def test_mark_runs_reach_their_canonical_form_in_one_pass(text, expected):
    from thaisme_nlp import normalize, normalize_with_offsets

    assert normalize(text) == expected
    assert normalize(expected) == expected
    assert normalize_with_offsets(text).text == expected
