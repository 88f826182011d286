"""Machinery check on real data: ThemeClassifier in single-label mode on wisesight-sentiment.

Trains on the official train split (optionally + valid, which the published baselines also
used for model selection only), evaluates on the official test split, and prints micro/macro F1
next to the published figures on the same split.

    python benchmarks/bench_wisesight.py [--with-valid] [--C 3] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

DATA = Path(__file__).resolve().parents[2] / "shared/datasets/wisesight-sentiment"
PUBLISHED = {
    "NBSVM (published)": (0.7203, 0.5467),
    "XLM-R (published)": (0.7357, None),
    "WangchanBERTa (published)": (0.7619, None),
    "TF-IDF newmm + LinearSVC (PYTHAINLP-NOTES)": (0.716, 0.548),
    "char 1-3 TF-IDF + LinearSVC (PYTHAINLP-NOTES)": (0.720, 0.579),
}


def load(split: str) -> tuple[list[str], list[str]]:
    rows = [json.loads(x) for x in (DATA / f"{split}.jsonl").open(encoding="utf-8")]
    return [r["texts"] for r in rows], [r["category"] for r in rows]


def main() -> None:
    from sklearn.metrics import f1_score

    from thaisme_nlp import ThemeClassifier

    ap = argparse.ArgumentParser()
    ap.add_argument("--with-valid", action="store_true")
    ap.add_argument("--C", type=float, default=3.0)
    ap.add_argument("--char-weight", type=float, default=1.0)
    ap.add_argument("--class-weight", default="none")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    xtr, ytr = load("train")
    if args.with_valid:
        xv, yv = load("valid")
        xtr, ytr = xtr + xv, ytr + yv
    xte, yte = load("test")
    clf = ThemeClassifier(
        multi_label=False,
        C=args.C,
        char_weight=args.char_weight,
        class_weight=None if args.class_weight == "none" else args.class_weight,
        cv=0,
        max_statement_chars=10_000,  # a message is one item, as in the published setting
    )
    t = time.perf_counter()
    clf.fit(xtr, ytr)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    pred = clf.predict(xte)
    pred_s = time.perf_counter() - t
    micro = f1_score(yte, pred, average="micro")
    macro = f1_score(yte, pred, average="macro")
    print(f"train {len(xtr)} / test {len(xte)}; fit {fit_s:.1f} s, predict {pred_s:.1f} s")
    print(f"{'model':<48} micro-F1  macro-F1")
    print(f"{'ThemeClassifier (single-label, this run)':<48} {micro:.4f}    {macro:.4f}")
    for k, (mi, ma) in PUBLISHED.items():
        print(f"{k:<48} {mi:.4f}    {ma if ma is not None else '—'}")
    print(f"target micro-F1 >= 0.745: {'met' if micro >= 0.745 else 'NOT met'}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "micro_f1": micro,
                    "macro_f1": macro,
                    "train": len(xtr),
                    "test": len(xte),
                    "params": {
                        "C": args.C,
                        "char_weight": args.char_weight,
                        "with_valid": args.with_valid,
                        "class_weight": args.class_weight,
                    },
                    "fit_seconds": fit_s,
                    "predict_seconds": pred_s,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
