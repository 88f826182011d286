"""Classification throughput, cold start and model size.

- throughput: 10,000 short real statements (the first 10,000 messages of wisesight-sentiment's
  train split, 90 characters on average) through ``classify_feedback`` (with and without
  evidence) and ``predict_proba``, against the naive pipeline
  ``TfidfVectorizer(tokenizer=pythainlp.word_tokenize)`` + one-vs-rest ``LogisticRegression``
  fitted on the same corpus, in the same run;
- cold start: a new process that imports thaisme_nlp and classifies one statement (median of 5);
- model size: the shipped files.

    python benchmarks/bench_classify.py [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
WISESIGHT = ROOT.parent / "shared/datasets/wisesight-sentiment/train.jsonl"


def cold_start() -> float:
    code = (
        "import time; t = time.perf_counter()\n"
        "from thaisme_nlp import classify_feedback\n"
        "classify_feedback('อยากให้ธนาคารอนุมัติสินเชื่อเร็วขึ้น และช่วยหาช่องทางขายออนไลน์')\n"
        "print(time.perf_counter() - t)\n"
    )
    runs = []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        runs.append(float(out.stdout.strip()))
    return statistics.median(runs)


def main() -> None:
    import numpy as np
    from pythainlp import word_tokenize
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    from thaisme_nlp import classify_feedback, load_model
    from thaisme_nlp.evaluate import load_labelled, to_matrix
    from thaisme_nlp.persist import DEFAULT_BUNDLE_FILE, DEFAULT_MODEL_FILE
    from thaisme_nlp.resources import data_path

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    texts = [json.loads(x)["texts"] for x in WISESIGHT.open(encoding="utf-8")][: args.n]
    chars = sum(map(len, texts))
    model = load_model()
    classify_feedback(texts[:50], model=model)  # warm: dictionary and vocabulary indexes

    corpus, labels, _ = load_labelled(ROOT / "corpora/feedback/feedback.jsonl")
    y = to_matrix(labels, list(model.classes_))
    naive = make_pipeline(
        TfidfVectorizer(tokenizer=word_tokenize),
        OneVsRestClassifier(LogisticRegression(max_iter=1000)),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        naive.fit(corpus, y)
        naive.predict_proba(texts[:50])

    rows = []

    def run(label, fn):
        t = time.perf_counter()
        fn()
        s = time.perf_counter() - t
        rows.append(
            {"what": label, "seconds": round(s, 3), "statements_per_s": round(len(texts) / s)}
        )
        print(f"{label:<58} {s:7.2f} s  {len(texts) / s:9.0f} statements/s")
        return s

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s_naive = run(
            "naive TF-IDF(word_tokenize) + OvR LR: predict_proba",
            lambda: naive.predict_proba(texts),
        )
    s_proba = run("ThemeClassifier.predict_proba", lambda: model.predict_proba(texts))
    s_fast = run(
        "classify_feedback(list, explain=False)",
        lambda: classify_feedback(texts, model=model, explain=False),
    )
    s_full = run(
        "classify_feedback(list) with evidence spans", lambda: classify_feedback(texts, model=model)
    )
    cold = cold_start()
    sizes = {f: data_path(f).stat().st_size for f in (DEFAULT_MODEL_FILE, DEFAULT_BUNDLE_FILE)}
    print(f"\n{len(texts)} statements, {chars / len(texts):.0f} chars on average")
    for label, s in [
        ("predict_proba", s_proba),
        ("classify_feedback, no evidence", s_fast),
        ("classify_feedback, evidence", s_full),
    ]:
        print(f"speed-up vs naive, {label}: {s_naive / s:.1f}x (target >= 10x)")
    print(
        f"cold start (import + first classify_feedback, median of 5): {cold:.2f} s (target <= 1.0 s)"
    )
    for f, b in sizes.items():
        print(f"{f}: {b / 2**20:.1f} MiB (target <= 20 MB)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "n": len(texts),
                    "mean_chars": chars / len(texts),
                    "rows": rows,
                    "speedup": {
                        "predict_proba": s_naive / s_proba,
                        "no_evidence": s_naive / s_fast,
                        "evidence": s_naive / s_full,
                    },
                    "cold_start_s": cold,
                    "sizes": sizes,
                    "cores": os.cpu_count(),
                    "note": f"{np.__name__} single process",
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
