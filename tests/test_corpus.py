"""The labelled feedback corpus meets its data card and the corpus requirements."""

import json
import re
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "corpora" / "feedback"))
import corpus_tools as ct

from thaisme_nlp import Codebook

MAIN_REGISTERS = ["minutes", "spoken", "chat", "survey"]


@pytest.fixture(scope="module")
def rows():
    return ct.load()


@pytest.fixture(scope="module")
def stats(rows):
    s = ct.stats(rows)
    print(
        "\ncorpus stats:",
        json.dumps({k: v for k, v in s.items() if k != "table"}, ensure_ascii=False),
    )
    return s


def test_fields_and_ids(rows):
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    valid = set(Codebook.default().ids)
    for r in rows:
        assert isinstance(r["text"], str) and r["text"].strip()
        assert isinstance(r["labels"], list) and len(set(r["labels"])) == len(r["labels"])
        assert set(r["labels"]) <= valid, r["id"]
        assert r["register"] in ct.REGISTERS


def test_size_and_balance(rows, stats):
    assert stats["n"] >= 1500
    for theme, row in stats["table"].items():
        if theme != "(no theme)":
            assert sum(row.values()) >= 80, theme
    assert stats["no_theme"] >= 200
    assert stats["multi_label_share"] >= 0.25


def test_registers(stats):
    for reg in MAIN_REGISTERS:
        assert stats["registers"][reg] / stats["n"] >= 0.15, reg


def test_implicit_share_per_theme(stats):
    # items carrying a theme without any of its codebook seed terms
    for theme, share in stats["implicit_share"].items():
        assert share >= 0.25, (theme, share)


def test_variety(stats):
    assert stats["top_opening_share"] <= 0.05
    assert stats["length"]["over_250"] >= 0.05 and stats["length"]["under_40"] >= 0.05
    assert stats["distinct_bigram_ratio"] >= 0.4


def test_no_near_duplicates(rows):
    pairs = ct.near_duplicates(rows, threshold=0.7)
    assert pairs == [], pairs[:5]


def test_hard_negatives_exist(rows):
    cb = Codebook.default()
    hard = [r for r in rows if not r["labels"] and cb.seed_themes(r["text"])]
    assert len(hard) >= 100


def test_data_card_table_matches_the_file(stats):
    card = (ROOT / "corpora/feedback/README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- counts:start -->\n(.*?)\n<!-- counts:end -->", card, re.S)
    assert m, "data card lacks the counts table markers"
    assert m.group(1).strip() == ct.card_table(stats).strip()


def test_split_is_fixed_complete_and_disjoint(rows):
    split = json.loads((ROOT / "corpora/feedback/split.json").read_text(encoding="utf-8"))
    train, dev = set(split["train"]), set(split["dev"])
    assert not train & dev
    assert train | dev == {r["id"] for r in rows}
    assert 0.15 <= len(dev) / len(rows) <= 0.25
    assert ct.make_split(rows, seed=split["seed"]) == split  # reproducible
