import json

import pytest

from thaisme_nlp import Codebook
from thaisme_nlp.errors import CodebookError

DESIGN_IDS = [
    "financing",
    "logistics",
    "online_marketing",
    "packaging",
    "product_development",
    "student_commercialization",
    "university_collaboration",
    "workforce_internship",
    "clustering_network",
    "standards_certification",
    "market_access",
    "technology_innovation",
]


def test_default_codebook_has_the_stable_ids():
    cb = Codebook.default()
    assert list(cb.ids) == DESIGN_IDS
    assert cb.version
    for t in cb:
        assert t.label_th.strip() and t.label_en.strip() and t.description.strip()
        assert len(t.seeds) >= 25
        assert t.include and t.exclude


def test_no_seed_in_two_themes():
    cb = Codebook.default()
    owner = {}
    for t in cb:
        for s in t.seeds:
            assert owner.setdefault(s.lower(), t.id) == t.id, (
                f"{s} in {owner[s.lower()]} and {t.id}"
            )


def test_hash_is_stable_and_content_based(tmp_path):
    cb = Codebook.default()
    assert cb.hash == Codebook.default().hash
    path = tmp_path / "cb.json"
    cb.save(path)
    again = Codebook.load(path)
    assert again.hash == cb.hash
    data = json.loads(path.read_text(encoding="utf-8"))
    data["themes"][0]["seeds"].append("เงินด่วน")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert Codebook.load(path).hash != cb.hash


def test_custom_codebook(tmp_path):
    cb = Codebook.from_dict(
        {
            "name": "mine",
            "version": "2",
            "themes": [
                {
                    "id": "tourism",
                    "label_th": "การท่องเที่ยว",
                    "label_en": "Tourism",
                    "seeds": ["โฮมสเตย์"],
                },
            ],
        }
    )
    assert cb.ids == ("tourism",)
    assert cb.seed_themes("เปิดโฮมสเตย์ที่น่าน") == {"tourism"}


@pytest.mark.parametrize(
    "bad, msg",
    [
        ({"themes": []}, "no themes"),
        ({"themes": [{"id": "a", "label_th": "ก", "label_en": "A", "seeds": ["x"]}] * 2}, "twice"),
        (
            {"themes": [{"id": "Bad Id", "label_th": "ก", "label_en": "A", "seeds": ["x"]}]},
            "lower-case",
        ),
        ({"themes": [{"id": "a", "label_th": "ก", "label_en": "A", "seeds": []}]}, "no seed"),
        ({"themes": [{"id": "a", "label_en": "A", "seeds": ["x"]}]}, "label_th"),
        ({"nothemes": 1}, "themes"),
    ],
)
def test_validation_errors(bad, msg):
    with pytest.raises(CodebookError, match=msg):
        Codebook.from_dict(bad)


def test_load_errors(tmp_path):
    with pytest.raises(CodebookError, match="not found"):
        Codebook.load(tmp_path / "nope.json")
    p = tmp_path / "broken.json"
    p.write_text("{", encoding="utf-8")
    with pytest.raises(CodebookError, match="JSON"):
        Codebook.load(p)


def test_seed_matching_spans_and_boundaries():
    cb = Codebook.default()
    text = "ขอสินเชื่อ และเลข อย. ครับ ร้านอร่อย. GMPX"
    found = cb.find_seeds(text)
    assert all(text[m.start : m.end] == m.term for m in found)
    themes = {m.theme for m in found}
    assert "financing" in themes and "standards_certification" in themes
    assert not any(m.term.lower() == "gmp" for m in found)  # GMP inside GMPX is not a seed hit
    assert not any(m.start == text.index("อร่อย.") + 3 for m in found)


def test_docs_describe_every_theme():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "codebook.md").read_text(encoding="utf-8")
    for tid in DESIGN_IDS:
        assert tid in doc
