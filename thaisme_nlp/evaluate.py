"""Evaluation: per-theme and overall metrics with bootstrap intervals, cross-validation, and
the two baselines every report carries (codebook seed-term matching; the naive
``TfidfVectorizer(tokenizer=pythainlp.word_tokenize)`` + one-vs-rest ``LogisticRegression``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .codebook import Codebook
from .errors import LabelError

__all__ = [
    "NaiveBaseline",
    "SeedBaseline",
    "cross_validate",
    "load_labelled",
    "multilabel_report",
    "to_matrix",
]


# -- data ----------------------------------------------------------------------------------------
def load_labelled(
    path: str | Path, text_field: str = "text", labels_field: str = "labels"
) -> tuple[list[str], list[list[str]], list[dict[str, Any]]]:
    """Read a labelled file: JSONL (``labels`` a list) or CSV (``labels`` separated by ``;`` or
    ``|``, or a JSON list). Returns texts, label lists and the raw rows."""
    path = Path(path)
    rows: list[dict[str, Any]] = []
    if path.suffix.lower() in (".jsonl", ".json"):
        with open(path, encoding="utf-8-sig") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        raise LabelError(f"{path}:{n}: not valid JSON ({e})") from None
    elif path.suffix.lower() in (".csv", ".tsv"):
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t" if path.suffix.lower() == ".tsv" else ","))
    else:
        raise LabelError(f"{path}: use .jsonl or .csv for labelled data")
    texts, labels = [], []
    for n, r in enumerate(rows, 1):
        if text_field not in r or labels_field not in r:
            raise LabelError(f"{path}: row {n} lacks '{text_field}' or '{labels_field}'")
        lab = r[labels_field]
        if isinstance(lab, str):
            lab = lab.strip()
            if lab.startswith("["):
                lab = json.loads(lab)
            else:
                lab = [x.strip() for x in lab.replace("|", ";").split(";") if x.strip()]
        if not isinstance(lab, list):
            raise LabelError(f"{path}: row {n}: labels must be a list, got {lab!r}")
        texts.append(str(r[text_field]))
        labels.append([str(x) for x in lab])
    return texts, labels, rows


def to_matrix(labels: Sequence[Sequence[str]], classes: Sequence[str]) -> np.ndarray:
    index = {c: j for j, c in enumerate(classes)}
    y = np.zeros((len(labels), len(classes)), dtype=np.int8)
    for i, lab in enumerate(labels):
        for t in lab:
            if t not in index:
                raise LabelError(f"item {i}: label {t!r} is not one of {', '.join(classes)}")
            y[i, index[t]] = 1
    return y


# -- metrics -------------------------------------------------------------------------------------
def _prf(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tp = (y & p).sum(axis=0).astype(float)
    fp = ((1 - y) & p).sum(axis=0).astype(float)
    fn = (y & (1 - p)).sum(axis=0).astype(float)
    prec = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=(tp + fp) > 0)
    rec = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=(tp + fn) > 0)
    f1 = np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros_like(tp), where=(2 * tp + fp + fn) > 0)
    return prec, rec, f1


def _overall(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    _, _, f1 = _prf(y, p)
    tp = (y & p).sum()
    denom = 2 * tp + ((1 - y) & p).sum() + (y & (1 - p)).sum()
    none = y.sum(axis=1) == 0
    return {
        "micro_f1": float(2 * tp / denom) if denom else 0.0,
        "macro_f1": float(f1.mean()),
        "exact_match": float((y == p).all(axis=1).mean()),
        "no_theme_accuracy": float((p[none].sum(axis=1) == 0).mean())
        if none.any()
        else float("nan"),
    }


def multilabel_report(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    classes: Sequence[str],
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Per-class precision/recall/F1/support, overall micro/macro F1, exact match and no-theme
    accuracy (share of gold no-theme items predicted with no theme), each overall figure with a
    bootstrap 95 % interval over items."""
    y = np.asarray(y_true, dtype=np.int8)
    p = np.asarray(y_pred, dtype=np.int8)
    prec, rec, f1 = _prf(y, p)
    overall = _overall(y, p)
    rng = np.random.default_rng(seed)
    boots: dict[str, list[float]] = {k: [] for k in overall}
    n = len(y)
    for _ in range(n_boot):
        idx = rng.integers(0, n, n)
        for k, v in _overall(y[idx], p[idx]).items():
            boots[k].append(v)
    ci = {
        k: [float(np.nanpercentile(v, 2.5)), float(np.nanpercentile(v, 97.5))]
        for k, v in boots.items()
    }
    return {
        "n": int(n),
        "overall": overall,
        "ci95": ci,
        "per_class": {
            c: {
                "precision": float(prec[j]),
                "recall": float(rec[j]),
                "f1": float(f1[j]),
                "support": int(y[:, j].sum()),
            }
            for j, c in enumerate(classes)
        },
    }


# -- baselines -------------------------------------------------------------------------------------
@dataclass
class SeedBaseline:
    """Baseline (a): a theme is predicted when any of its codebook seed terms occurs."""

    codebook: Codebook

    def fit(self, texts: Sequence[str], y: np.ndarray) -> SeedBaseline:
        return self

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        from .text.normalize import normalize

        ids = self.codebook.ids
        out = np.zeros((len(texts), len(ids)), dtype=np.int8)
        index = {c: j for j, c in enumerate(ids)}
        for i, t in enumerate(texts):
            for theme in self.codebook.seed_themes(normalize(t)):
                out[i, index[theme]] = 1
        return out


class NaiveBaseline:
    """Baseline (b): ``TfidfVectorizer(tokenizer=pythainlp.word_tokenize)`` + one-vs-rest
    ``LogisticRegression``, defaults otherwise (threshold 0.5), as a newcomer would write it."""

    def fit(self, texts: Sequence[str], y: np.ndarray) -> NaiveBaseline:
        import warnings

        from pythainlp import word_tokenize
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import make_pipeline

        self.pipe_ = make_pipeline(
            TfidfVectorizer(tokenizer=word_tokenize),
            OneVsRestClassifier(LogisticRegression(max_iter=1000)),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the token_pattern warning is part of "naive"
            # a column with no positive in this fold cannot be fitted: give it one constant 0
            self.cols_ = np.flatnonzero(y.sum(axis=0) > 0)
            self.pipe_.fit(list(texts), y[:, self.cols_])
        self.n_ = y.shape[1]
        return self

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.n_), dtype=np.int8)
        out[:, self.cols_] = self.pipe_.predict(list(texts))
        return out

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.pipe_.predict_proba(list(texts))


def cross_validate(
    texts: Sequence[str],
    y: np.ndarray,
    make_models: dict[str, Callable[[], Any]],
    *,
    folds: int = 5,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Out-of-fold predictions ``(n, k)`` of each model factory over the same stratified
    k-fold split (stratum: an item's rarest label, or none)."""
    from sklearn.model_selection import StratifiedKFold

    texts = list(texts)
    from .classify import label_strata

    strata = label_strata(y)
    out = {name: np.zeros_like(y) for name in make_models}
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for tr, te in split.split(texts, strata):
        tr_texts = [texts[i] for i in tr]
        te_texts = [texts[i] for i in te]
        for name, make in make_models.items():
            model = make()
            if hasattr(model, "predict_labels"):  # a ThemeClassifier takes label lists
                classes = list(model.codebook.ids) if model.codebook is not None else None
                assert classes is not None
                lab = [[classes[j] for j in np.flatnonzero(row)] for row in y[tr]]
                model.fit(tr_texts, lab)
                out[name][te] = model.predict(te_texts)
            else:
                out[name][te] = model.fit(tr_texts, y[tr]).predict(te_texts)
    return out


# -- the report ----------------------------------------------------------------------------------
def _fmt_overall(name: str, rep: dict[str, Any]) -> str:
    o, ci = rep["overall"], rep["ci95"]

    def cell(k: str) -> str:
        return f"{o[k]:.3f} [{ci[k][0]:.3f}, {ci[k][1]:.3f}]"

    return f"| {name} | {cell('micro_f1')} | {cell('macro_f1')} | {cell('exact_match')} | {cell('no_theme_accuracy')} |"


def _tables(title: str, reports: dict[str, dict[str, Any]], classes: Sequence[str]) -> list[str]:
    names = list(reports)
    lines = [
        f"### {title}",
        "",
        "| model | micro-F1 [95 % CI] | macro-F1 [95 % CI] | exact match | no-theme accuracy |",
        "|---|---|---|---|---|",
        *[_fmt_overall(n, reports[n]) for n in names],
        "",
        "Per theme (precision / recall / F1; support):",
        "",
        "| theme | support | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for c in classes:
        sup = reports[names[0]]["per_class"][c]["support"]
        cells = []
        for n in names:
            pc = reports[n]["per_class"][c]
            cells.append(f"{pc['precision']:.2f} / {pc['recall']:.2f} / **{pc['f1']:.2f}**")
        lines.append(f"| {c} | {sup} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def run_evaluation(
    corpus: Path,
    data: Path | None = None,
    model: str | None = None,
    folds: int = 5,
    out: Path | None = None,
    json_out: Path | None = None,
    seed: int = 0,
) -> str:
    """Cross-validate the classifier and both baselines on ``corpus`` (same folds), and, with
    ``data``, evaluate the given model (default: the shipped one) and baselines trained on the
    whole corpus. Returns the Markdown report (also written to ``out``)."""
    import time

    from .classify import ThemeClassifier
    from .persist import load_model

    codebook = Codebook.default()
    classes = list(codebook.ids)
    texts, labels, rows = load_labelled(corpus)
    y = to_matrix(labels, classes)
    t0 = time.perf_counter()
    oof = cross_validate(
        texts,
        y,
        {
            "ThemeClassifier": lambda: ThemeClassifier(codebook=codebook, random_state=seed),
            "seed-term baseline": lambda: SeedBaseline(codebook),
            "naive TF-IDF + LR": NaiveBaseline,
        },
        folds=folds,
        seed=seed,
    )
    cv_seconds = time.perf_counter() - t0
    cv_reports = {n: multilabel_report(y, p, classes, seed=seed) for n, p in oof.items()}
    implicit = np.array([not codebook.seed_themes(t) for t in texts])
    figures: dict[str, Any] = {
        "corpus": str(corpus),
        "n": len(texts),
        "folds": folds,
        "cv": cv_reports,
    }
    lines = [
        "# Evaluation",
        "",
        f"Generated by `thaisme-nlp evaluate` (thaisme_nlp {_version()}).",
        "",
        f"## {folds}-fold cross-validation on `{corpus}` ({len(texts)} statements)",
        "",
        "Same stratified folds for every model; 95 % intervals from 1,000 bootstrap resamples of "
        f"the out-of-fold predictions. Run time {cv_seconds:.0f} s.",
        "",
        *_tables("All statements", cv_reports, classes),
    ]
    if implicit.any() and (~implicit).any():
        sub = {
            n: multilabel_report(y[implicit], p[implicit], classes, seed=seed)
            for n, p in oof.items()
        }
        figures["cv_implicit"] = sub
        lines += [
            f"### Statements with no codebook seed term ({int(implicit.sum())} of {len(texts)})",
            "",
            "| model | micro-F1 [95 % CI] | macro-F1 [95 % CI] | exact match | no-theme accuracy |",
            "|---|---|---|---|---|",
            *[_fmt_overall(n, sub[n]) for n in sub],
            "",
        ]
    batches = [str(r.get("batch", "")) for r in rows]
    r1 = np.array([b.startswith("r1-") for b in batches])
    r2 = np.array([b.startswith("r2-") for b in batches])
    if r1.any() and r2.any():
        # unseen writers: fit on the first writing round, test on the second (other writers,
        # new situations, and the news register, which the first round lacks)
        tr_t = [t for t, k in zip(texts, r1) if k]
        te_t = [t for t, k in zip(texts, r2) if k]
        clf_r1 = ThemeClassifier(codebook=codebook, random_state=seed).fit(
            tr_t, [lab for lab, k in zip(labels, r1) if k]
        )
        preds = {
            "ThemeClassifier": clf_r1.predict(te_t),
            "seed-term baseline": SeedBaseline(codebook).predict(te_t),
            "naive TF-IDF + LR": NaiveBaseline().fit(tr_t, y[r1]).predict(te_t),
        }
        gen = {n: multilabel_report(y[r2], p, classes, seed=seed) for n, p in preds.items()}
        figures["unseen_writers"] = gen
        lines += [
            f"## Unseen writers: trained on round 1 ({int(r1.sum())}), tested on round 2 ({int(r2.sum())})",
            "",
            "The corpus was written in rounds by different writers; round 2 also brings the",
            "government-news register, absent from round 1 (the later rounds take part in",
            "neither side here). This is closer to new, real text than cross-validation, where",
            "folds share writers and situations.",
            "",
            *_tables("Round-2 statements", gen, classes),
        ]
    if data is not None:
        d_texts, d_labels, _ = load_labelled(data)
        dy = to_matrix(d_labels, classes)
        clf = load_model(model) if model else load_model()
        preds = {
            f"ThemeClassifier ({clf.model_id})": clf.predict(d_texts),
            "seed-term baseline": SeedBaseline(codebook).predict(d_texts),
            "naive TF-IDF + LR": NaiveBaseline().fit(texts, y).predict(d_texts),
        }
        d_reports = {n: multilabel_report(dy, p, classes, seed=seed) for n, p in preds.items()}
        figures["data"] = {"path": str(data), "n": len(d_texts), "reports": d_reports}
        lines += [f"## Evaluation on `{data}` ({len(d_texts)} statements)", ""]
        lines += _tables("All statements", d_reports, classes)
    report = "\n".join(lines)
    if out is not None:
        out.write_text(report + "\n", encoding="utf-8")
    if json_out is not None:
        json_out.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def _version() -> str:
    from ._version import __version__

    return __version__
