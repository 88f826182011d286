"""Tools for the labelled feedback corpus: statistics for the data card, the fixed split,
and the variety measures of ../shared/CORPUS-GUIDE.md.

    python corpora/feedback/corpus_tools.py stats      # prints the data-card tables
    python corpora/feedback/corpus_tools.py split      # writes split.json (run once; fixed)
"""

from __future__ import annotations

import itertools
import json
import random
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "feedback.jsonl"
SPLIT = HERE / "split.json"
REGISTERS = ["minutes", "spoken", "chat", "survey", "news"]


def load(path: Path = CORPUS) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def char_ngrams(text: str, n: int = 3) -> set[str]:
    t = " ".join(text.split())
    return {t[i : i + n] for i in range(len(t) - n + 1)} or {t}


def near_duplicates(rows: list[dict], threshold: float = 0.7) -> list[tuple[str, str, float]]:
    """Pairs whose character 3-gram Jaccard similarity exceeds ``threshold`` (sparse matrix
    product: all pairs at once)."""
    import numpy as np
    import scipy.sparse as sp

    grams = [char_ngrams(r["text"]) for r in rows]
    vocab: dict[str, int] = {}
    ind, ptr = [], [0]
    for g in grams:
        ind.extend(vocab.setdefault(x, len(vocab)) for x in g)
        ptr.append(len(ind))
    x = sp.csr_matrix(
        (np.ones(len(ind), dtype=np.float32), ind, ptr), shape=(len(rows), len(vocab))
    )
    inter = (x @ x.T).tocoo()
    sizes = np.asarray(x.sum(axis=1)).ravel()
    out = []
    for i, j, v in zip(inter.row, inter.col, inter.data):
        if i < j:
            jac = v / (sizes[i] + sizes[j] - v)
            if jac > threshold:
                out.append((rows[i]["id"], rows[j]["id"], float(jac)))
    return out


def implicit_share(rows: list[dict]) -> dict[str, float]:
    """Per theme: share of its items that contain none of that theme's codebook seeds."""
    from thaisme_nlp import Codebook, normalize

    cb = Codebook.default()
    share = {}
    for t in cb.ids:
        items = [r for r in rows if t in r["labels"]]
        implicit = [r for r in items if t not in cb.seed_themes(normalize(r["text"]))]
        share[t] = len(implicit) / len(items) if items else 0.0
    return share


def stats(rows: list[dict]) -> dict:
    from thaisme_nlp import Codebook, Tokenizer

    cb = Codebook.default()
    n = len(rows)
    regs = Counter(r["register"] for r in rows)
    table = {t: Counter(r["register"] for r in rows if t in r["labels"]) for t in cb.ids}
    table["(no theme)"] = Counter(r["register"] for r in rows if not r["labels"])
    tok = Tokenizer(stopwords=False, keep_numbers=True, keep_punct=True)
    tokens = [tok(r["text"]) for r in rows]
    openings = Counter(" ".join(t[:2]) for t in tokens)
    bigrams = [b for t in tokens for b in itertools.pairwise(t)]
    lengths = sorted(len(r["text"]) for r in rows)
    return {
        "n": n,
        "registers": {k: regs.get(k, 0) for k in REGISTERS},
        "table": {k: {r: v.get(r, 0) for r in REGISTERS} for k, v in table.items()},
        "multi_label_share": sum(len(r["labels"]) >= 2 for r in rows) / n,
        "no_theme": sum(not r["labels"] for r in rows),
        "implicit_share": implicit_share(rows),
        "top_opening_share": openings.most_common(1)[0][1] / n,
        "top_openings": openings.most_common(5),
        "distinct_bigram_ratio": len(set(bigrams)) / max(len(bigrams), 1),
        "length": {
            "min": lengths[0],
            "median": lengths[n // 2],
            "max": lengths[-1],
            "over_250": sum(x > 250 for x in lengths) / n,
            "under_40": sum(x < 40 for x in lengths) / n,
        },
    }


def card_table(s: dict) -> str:
    """The counts table of the data card (README.md between the table markers)."""
    head = "| theme | " + " | ".join(REGISTERS) + " | total |"
    lines = [head, "|---|" + "---:|" * (len(REGISTERS) + 1)]
    for theme, row in s["table"].items():
        lines.append(
            f"| {theme} | "
            + " | ".join(str(row[r]) for r in REGISTERS)
            + f" | {sum(row.values())} |"
        )
    lines.append(
        "| **all items** | "
        + " | ".join(str(s["registers"][r]) for r in REGISTERS)
        + f" | {s['n']} |"
    )
    return "\n".join(lines)


def make_split(rows: list[dict], dev_share: float = 0.2, seed: int = 2567) -> dict[str, list[str]]:
    """Stratified by label set and register: each stratum puts ~20 % in dev."""
    rng = random.Random(seed)
    strata: dict[tuple, list[str]] = {}
    for r in rows:
        strata.setdefault((tuple(sorted(r["labels"])), r["register"]), []).append(r["id"])
    train, dev = [], []
    for key in sorted(strata):
        ids = sorted(strata[key])
        rng.shuffle(ids)
        k = round(len(ids) * dev_share)
        dev.extend(ids[:k])
        train.extend(ids[k:])
    return {"seed": seed, "train": sorted(train), "dev": sorted(dev)}


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "stats"
    rows = load()
    if cmd == "split":
        SPLIT.write_text(json.dumps(make_split(rows), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {SPLIT}")
    else:
        s = stats(rows)
        print(card_table(s))
        print(
            json.dumps({k: v for k, v in s.items() if k != "table"}, ensure_ascii=False, indent=1)
        )
