"""How far a non-neural model gets on wisesight-sentiment (the issue-4 target is micro-F1 0.745).

`bench_wisesight.py` measures `ThemeClassifier(multi_label=False)` itself. This script is the
best configuration found beyond it (chosen by 5-fold cross-validation on the train split, never
on test; docs/benchmarks.md): the mean of the class probabilities of three linear models over
one feature matrix — [word 1–2-gram TF-IDF (the library's normalize + nlpo3 Tokenizer) |
sklearn ``char_wb`` 1–5-gram TF-IDF, min_df 2]:

1. NBSVM-style: binarized features scaled per class by the naive-Bayes log-count ratio
   (alpha 1), one-vs-rest logistic regression, C = 0.1;
2. multinomial logistic regression, C = 2, on the TF-IDF features;
3. LinearSVC, C = 0.2, on the TF-IDF features (softmax of the margins).

    python benchmarks/wisesight_ensemble.py [--with-valid]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

import numpy as np
import scipy.sparse as sp

DATA = Path(__file__).resolve().parents[2] / "shared/datasets/wisesight-sentiment"


def load(split: str) -> tuple[list[str], np.ndarray]:
    rows = [json.loads(x) for x in (DATA / f"{split}.jsonl").open(encoding="utf-8")]
    return [r["texts"] for r in rows], np.array([r["category"] for r in rows])


def softmax(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.svm import LinearSVC

    from thaisme_nlp.features import WordNgramVectorizer, word_ngrams
    from thaisme_nlp.text.normalize import normalize
    from thaisme_nlp.text.tokenize import Tokenizer

    ap = argparse.ArgumentParser()
    ap.add_argument("--with-valid", action="store_true", help="train on train + valid")
    args = ap.parse_args()
    if not DATA.exists():
        raise SystemExit(f"dataset not found: {DATA}")

    t0 = time.perf_counter()
    tok = Tokenizer(stopwords=False, normalize=False)

    def prepare(raw: list[str]) -> tuple[list[str], list[list[str]]]:
        norm = [normalize(t) for t in raw]
        return norm, [word_ngrams(tok(t), 2) for t in norm]

    tr_raw, ytr = load("train")
    if args.with_valid:
        v_raw, yv = load("valid")
        tr_raw, ytr = tr_raw + v_raw, np.concatenate([ytr, yv])
    te_raw, yte = load("test")
    (ntr, wtr), (nte, wte) = prepare(tr_raw), prepare(te_raw)
    wv = WordNgramVectorizer().fit(wtr)
    cv = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True, min_df=2)
    cv.fit(ntr)
    xtr = sp.hstack([wv.transform(wtr), cv.transform(ntr)], format="csr")
    xte = sp.hstack([wv.transform(wte), cv.transform(nte)], format="csr")
    classes = np.unique(ytr)

    # 1. NBSVM-style one-vs-rest LR on binarized, NB-scaled features
    btr, bte = xtr.copy(), xte.copy()
    btr.data[:], bte.data[:] = 1.0, 1.0
    scores = []
    for c in classes:
        p = 1.0 + np.asarray(btr[ytr == c].sum(axis=0)).ravel()
        q = 1.0 + np.asarray(btr[ytr != c].sum(axis=0)).ravel()
        r = sp.diags(np.log(p / p.sum()) - np.log(q / q.sum()))
        m = LogisticRegression(C=0.1, max_iter=2000).fit(btr @ r, (ytr == c).astype(int))
        scores.append(m.decision_function(bte @ r))
    probs = {"NB-LR": softmax(np.array(scores).T)}
    # 2. multinomial LR, 3. LinearSVC
    probs["LR"] = LogisticRegression(C=2, max_iter=2000).fit(xtr, ytr).predict_proba(xte)
    probs["LinearSVC"] = softmax(LinearSVC(C=0.2).fit(xtr, ytr).decision_function(xte))
    probs["ensemble (mean)"] = sum(probs.values()) / 3

    data = "train + valid" if args.with_valid else "train"
    for name, p in probs.items():
        pred = classes[p.argmax(axis=1)]
        print(
            f"{name:16s} trained on {data}: test micro-F1 {f1_score(yte, pred, average='micro'):.4f}"
            f"  macro-F1 {f1_score(yte, pred, average='macro'):.4f}"
        )
    print(f"total {time.perf_counter() - t0:.0f} s; target micro-F1 0.745")


if __name__ == "__main__":
    main()
