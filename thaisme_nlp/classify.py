"""ThemeClassifier (a scikit-learn estimator) and classify_feedback().

Model: :class:`~thaisme_nlp.features.TextFeatures` (word uni/bigram TF-IDF + character 1–3-gram
TF-IDF) → one logistic regression per theme (one-vs-rest; log-loss gives probabilities) →
per-theme thresholds chosen on out-of-fold probabilities of a stratified k-fold run over the
training data, to maximize that theme's F1. A document is cut into statements
(:func:`thaisme_nlp.segment`); a theme's document score is its highest statement score, and
its evidence comes from the statements that carry it.

Explanations are exact for a linear model: a feature's contribution to a theme is
``tfidf(feature) * coef(theme, feature)``. Word n-gram contributions are shared among the
tokens of each occurrence and character n-gram contributions among the characters they cover;
adjacent tokens with a positive sum form an evidence span, reported as a span of the input.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._estimator import Estimator, check_fitted
from .codebook import Codebook
from .errors import InputTypeError, LabelError, NotEnoughDataError, check_text, describe_type
from .features import TextFeatures
from .text.normalize import normalize_with_offsets
from .text.segment import DEFAULT_MAX_CHARS, Statement, clauses, iter_statements
from .text.tokenize import Tokenizer

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

__all__ = [
    "Evidence",
    "FeedbackResult",
    "ThemeClassifier",
    "ThemeScore",
    "classify_feedback",
    "resolve_model",
]

MODEL_NAME = "thaisme.ThemeClassifier.v1"
#: Statements shorter than this are not cut into clauses (the clause rule, evidence units).
_MIN_CLAUSE_STATEMENT = 24


# --------------------------------------------------------------------------------------------
# results
@dataclass(frozen=True)
class Evidence:
    """A span of the input that supports a theme: ``input[start:end] == text``."""

    start: int
    end: int
    text: str
    terms: tuple[str, ...]
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "terms": list(self.terms),
            "weight": round(self.weight, 4),
        }


@dataclass(frozen=True)
class ThemeScore:
    """A theme assigned to a text, with its score in [0, 1] and evidence spans."""

    id: str
    label_th: str
    label_en: str
    score: float
    evidence: tuple[Evidence, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label_th": self.label_th,
            "label_en": self.label_en,
            "score": round(self.score, 4),
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(frozen=True)
class FeedbackResult:
    """The themes of one text. ``themes`` is empty when the text carries no policy theme."""

    text: str
    themes: tuple[ThemeScore, ...]
    scores: dict[str, float]
    model_id: str
    codebook_version: str
    n_statements: int = 1

    @property
    def theme_ids(self) -> list[str]:
        return [t.id for t in self.themes]

    @property
    def top_theme(self) -> str | None:
        return self.themes[0].id if self.themes else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable dict (the HTTP service returns exactly this)."""
        return {
            "text": self.text,
            "themes": [t.to_dict() for t in self.themes],
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "model_id": self.model_id,
            "codebook_version": self.codebook_version,
            "n_statements": self.n_statements,
        }


# --------------------------------------------------------------------------------------------
# the estimator
class ThemeClassifier(Estimator):
    """Multi-label policy-theme classifier over Thai text.

    Parameters
    ----------
    codebook : Codebook, optional
        The themes (default: :meth:`Codebook.default`). In single-label mode
        (``multi_label=False``) classes come from the labels and the codebook is not used.
    tokenizer : Tokenizer, optional
        Word tokenizer for the word block (default: nlpo3 with the domain dictionary, stopwords
        kept).
    word_ngram_max : int
        Longest word n-gram.
    char_ngram_range : (int, int) or None
        Character n-grams (at most 3); ``None`` for words only.
    char_weight : float
        Scale of the character block.
    min_df : int
        Minimum document frequency of a feature.
    C : float
        Inverse regularization strength of the logistic regressions.
    class_weight : {None, "balanced"}
        Class weights of each binary model. ``None`` (the default): the per-theme thresholds
        tuned by cross-validation already place the decision, and "balanced" weights made the
        model read a theme into any statement sharing one word with its positives (a page's
        "พิมพ์" → packaging 0.83); it lost on every measure in docs/model-design.md.
    augment : float
        Add ``augment * n`` synthetic training statements, each two training statements joined
        with a space and labelled with the union of their labels. A linear model on normalized
        TF-IDF otherwise learns that one theme's words are evidence *against* the others, and
        misses the second request of "ขอสินเชื่อ ... และช่วยหาช่องทางขายออนไลน์". Multi-label
        only; never used for evaluation items.
    clause_threshold : float or None
        Multi-request statements ("ขอสินเชื่อ ... และช่วยหาช่องทางขายออนไลน์"): a theme is also
        assigned when one clause of the statement (see :func:`thaisme_nlp.text.segment.clauses`)
        scores at least this on its own and the whole statement scores at least
        ``clause_support`` times the theme's threshold; its score is then the clause's. ``None``
        turns the rule off. On the corpus the rule is neutral in cross-validation (docs/evaluation.md).
    clause_support : float
        See ``clause_threshold``.
    seed_weight : float
        Weight of the codebook seed-term features (0: off); see
        :class:`~thaisme_nlp.features.TextFeatures`.
    nb_scale : bool
        Scale features by their naive-Bayes log-count ratio per theme before the logistic
        regression (NBSVM, Wang & Manning 2012).
    threshold : float or "cv"
        ``"cv"``: per-theme thresholds tuned on out-of-fold probabilities; a float: one
        threshold for all themes.
    cv : int
        Folds for threshold tuning and the stored CV metrics.
    multi_label : bool
        ``False`` for ordinary single-label classification (labels are strings).
    max_statement_chars : int
        Documents are cut into statements of at most this many characters.
    random_state : int
        Seed of the fold split.

    Examples
    --------
    >>> from thaisme_nlp import Codebook
    >>> cb = Codebook.from_dict({"themes": [
    ...     {"id": "financing", "label_th": "เงินทุน", "label_en": "Finance", "seeds": ["สินเชื่อ"]},
    ...     {"id": "logistics", "label_th": "ขนส่ง", "label_en": "Logistics", "seeds": ["ขนส่ง"]}]})
    >>> texts = ["ขอสินเชื่อดอกเบี้ยต่ำ", "ค่าขนส่งแพงมาก", "เงินกู้อนุมัติช้า",
    ...          "ของแตกระหว่างขนส่ง", "ขอบคุณทุกท่าน", "ปิดประชุมเวลา ๑๖.๐๐ น."] * 3
    >>> labels = [["financing"], ["logistics"], ["financing"], ["logistics"], [], []] * 3
    >>> clf = ThemeClassifier(codebook=cb, threshold=0.5, cv=2, min_df=1).fit(texts, labels)
    >>> clf.predict_labels(["อยากได้สินเชื่อ"])
    [['financing']]
    """

    _estimator_type = "classifier"
    metadata_: dict[str, Any]  # set by persist.save_model / load_model

    def __init__(
        self,
        codebook: Codebook | None = None,
        tokenizer: Tokenizer | None = None,
        word_ngram_max: int = 2,
        char_ngram_range: tuple[int, int] | None = (1, 3),
        char_weight: float = 1.0,
        min_df: int = 2,
        C: float = 10.0,
        class_weight: str | None = None,
        nb_scale: bool = False,
        seed_weight: float = 0.0,
        augment: float = 1.0,
        clause_threshold: float | None = 0.6,
        clause_support: float = 0.5,
        threshold: float | str = "cv",
        cv: int = 5,
        multi_label: bool = True,
        max_statement_chars: int = DEFAULT_MAX_CHARS,
        random_state: int = 0,
    ) -> None:
        self.codebook = codebook
        self.tokenizer = tokenizer
        self.word_ngram_max = word_ngram_max
        self.char_ngram_range = char_ngram_range
        self.char_weight = char_weight
        self.min_df = min_df
        self.C = C
        self.class_weight = class_weight
        self.nb_scale = nb_scale
        self.seed_weight = seed_weight
        self.augment = augment
        self.clause_threshold = clause_threshold
        self.clause_support = clause_support
        self.threshold = threshold
        self.cv = cv
        self.multi_label = multi_label
        self.max_statement_chars = max_statement_chars
        self.random_state = random_state

    # -- fitting -----------------------------------------------------------------------------
    def _label_matrix(self, labels: Sequence[Any], n: int) -> np.ndarray:
        if len(labels) != n:
            raise LabelError(f"got {n} texts but {len(labels)} label entries")
        if not self.multi_label:
            for i, lab in enumerate(labels):
                if not isinstance(lab, str):
                    raise LabelError(
                        f"labels[{i}] must be a class name (str), got {describe_type(lab)}"
                    )
            self.classes_ = np.array(sorted(set(labels)), dtype=object)
            if len(self.classes_) < 2:
                raise NotEnoughDataError("single-label mode needs at least 2 classes")
            index = {c: j for j, c in enumerate(self.classes_)}
            y = np.zeros((n, len(self.classes_)), dtype=np.int8)
            for i, lab in enumerate(labels):
                y[i, index[lab]] = 1
            return y
        cb = self.codebook_
        assert cb is not None
        self.classes_ = np.array(cb.ids, dtype=object)
        index = {c: j for j, c in enumerate(self.classes_)}
        y = np.zeros((n, len(self.classes_)), dtype=np.int8)
        for i, lab in enumerate(labels):
            if isinstance(lab, str) or not isinstance(lab, Iterable):
                raise LabelError(
                    f"labels[{i}] must be a list of theme ids (possibly empty), got {describe_type(lab)}"
                )
            for t in lab:
                if t not in index:
                    raise LabelError(
                        f"labels[{i}] has theme {t!r}, which is not in codebook "
                        f"{cb.name!r} {cb.version} (ids: {', '.join(cb.ids)})"
                    )
                y[i, index[t]] = 1
        missing = [c for j, c in enumerate(self.classes_) if y[:, j].sum() < 2]
        if missing:
            raise NotEnoughDataError(
                f"themes with fewer than 2 training examples: {', '.join(missing)}; "
                "add examples or remove these themes from the codebook"
            )
        return y

    def _fit_linear(self, x: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Effective coefficients ``(k, n_features)`` and intercepts ``(k,)``: one binary
        logistic regression per column of ``y`` (multi-label) or one multinomial model."""
        from sklearn.linear_model import LogisticRegression

        x = x.tocsr()
        if not self.multi_label:
            est = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=2000)
            est.fit(x, y.argmax(axis=1))
            coef = np.zeros((y.shape[1], x.shape[1]))
            icpt = np.zeros(y.shape[1])
            if len(est.classes_) == 2:  # sklearn keeps one row: softmax([0, z]) == sigmoid(z)
                coef[est.classes_[1]], icpt[est.classes_[1]] = est.coef_[0], est.intercept_[0]
            else:
                coef[est.classes_], icpt[est.classes_] = est.coef_, est.intercept_
            return coef, icpt
        coef = np.zeros((y.shape[1], x.shape[1]))
        icpt = np.zeros(y.shape[1])
        for j in range(y.shape[1]):
            yj = y[:, j]
            xj = x
            if self.nb_scale:
                r = _nb_ratio(x, yj)
                xj = x.multiply(r).tocsr()
            est = LogisticRegression(
                C=self.C, class_weight=self.class_weight, solver="liblinear", max_iter=1000
            ).fit(xj, yj)
            coef[j] = est.coef_[0] * (r if self.nb_scale else 1.0)
            icpt[j] = est.intercept_[0]
        return coef, icpt

    def _proba_linear(self, x: Any, coef: np.ndarray, icpt: np.ndarray) -> np.ndarray:
        z = np.asarray(x @ coef.T) + icpt
        if self.multi_label:
            return 1.0 / (1.0 + np.exp(-z))
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def _design(
        self, feats: TextFeatures, texts: list[str], y: np.ndarray
    ) -> tuple[Any, np.ndarray]:
        """Fit ``feats`` and return the training matrix: the texts plus ``augment * n``
        synthetic statements, each two training statements joined by a space and labelled with
        the union of their labels (features, vocabulary included, are fitted on all of them).

        Of the variants tried — joined texts, summed feature rows, joined texts over the
        real statements' vocabulary only — this one abstained best on no-theme statements of
        writers the model had not seen (docs/model-design.md)."""
        if not self.multi_label or not self.augment:
            return feats.fit_transform(texts), y
        rng = np.random.default_rng(self.random_state)
        n = round(self.augment * len(texts))
        a = rng.integers(0, len(texts), n)
        b = rng.integers(0, len(texts), n)
        keep = a != b
        a, b = a[keep], b[keep]
        joined = [f"{texts[i]} {texts[j]}" for i, j in zip(a.tolist(), b.tolist())]
        return feats.fit_transform(texts + joined), np.vstack([y, np.maximum(y[a], y[b])])

    def _features(self) -> TextFeatures:
        return TextFeatures(
            tokenizer=self.tokenizer,
            word_ngram_max=self.word_ngram_max,
            char_ngram_range=self.char_ngram_range,
            char_weight=self.char_weight,
            min_df=self.min_df,
            codebook=self.codebook_ if self.multi_label else None,
            seed_weight=self.seed_weight if self.multi_label else 0.0,
        )

    def fit(self, texts: Sequence[str], labels: Sequence[Any]) -> ThemeClassifier:
        """Fit on statements and their labels.

        Parameters
        ----------
        texts : sequence of str
        labels : sequence
            Multi-label: a list of theme ids per text (``[]`` = no theme). Single-label:
            one class name per text.
        """
        texts = list(texts)
        for i, t in enumerate(texts):
            check_text(t, where=f"texts[{i}]")
        self.codebook_ = (self.codebook or Codebook.default()) if self.multi_label else None
        y = self._label_matrix(list(labels), len(texts))
        self.features_ = self._features()
        x, aug_y = self._design(self.features_, texts, y)
        coef, icpt = self._fit_linear(x, aug_y)
        # float32 halves the model file; predictions differ below 1e-6
        self.coef_ = coef.astype(np.float32)
        self.intercept_ = icpt
        fixed = float(self.threshold) if isinstance(self.threshold, (int, float)) else 0.5
        self.thresholds_ = np.full(len(self.classes_), fixed)
        self.cv_metrics_: dict[str, Any] = {}
        if self.cv and self.cv >= 2:
            oof, oof_clause = self._oof_proba(texts, y)
            if self.multi_label and self.threshold == "cv":
                self.thresholds_ = _best_thresholds(y, oof)
            if oof_clause is not None:
                oof = self._combine(oof, oof_clause)
            self.cv_metrics_ = self._metrics(y, oof)
        return self

    @property
    def _clause_rule_on(self) -> bool:
        return self.multi_label and self.clause_threshold is not None

    def _oof_proba(self, texts: list[str], y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Out-of-fold probabilities, and the out-of-fold best clause scores when the clause
        rule is on (``None`` otherwise)."""
        from sklearn.model_selection import StratifiedKFold

        strata = label_strata(y)
        counts = {s: int((strata == s).sum()) for s in set(strata.tolist())}
        k = min(self.cv, min(counts.values()))
        if k < 2:
            raise NotEnoughDataError(f"{self.cv}-fold CV needs >= 2 examples per theme")
        oof = np.zeros(y.shape, dtype=float)
        oof_clause = np.zeros(y.shape, dtype=float) if self._clause_rule_on else None
        folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=self.random_state)
        for tr, te in folds.split(texts, strata):
            feats = self._features()
            xtr, tr_y = self._design(feats, [texts[i] for i in tr], y[tr])
            xte = feats.transform([texts[i] for i in te])
            coef, icpt = self._fit_linear(xtr, tr_y)
            oof[te] = self._proba_linear(xte, coef, icpt)
            if oof_clause is not None:
                oof_clause[te] = self._clause_max([texts[i] for i in te], feats, coef, icpt)
        return oof, oof_clause

    def _metrics(self, y: np.ndarray, proba: np.ndarray) -> dict[str, Any]:
        from sklearn.metrics import f1_score

        if self.multi_label:
            pred = (proba >= self.thresholds_).astype(int)
        else:
            pred = np.eye(len(self.classes_), dtype=int)[proba.argmax(axis=1)]
        return {
            "folds": self.cv,
            "micro_f1": float(f1_score(y, pred, average="micro", zero_division=0)),
            "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0)),
            "per_class_f1": {
                c: float(f1_score(y[:, j], pred[:, j], zero_division=0))
                for j, c in enumerate(self.classes_)
            },
        }

    # -- prediction ------------------------------------------------------------------------------
    def _statement_proba(self, statements: Sequence[str], batch: int = 4096) -> np.ndarray:
        # in batches: the feature matrix of a 5 MB document never exists at once
        out = np.zeros((len(statements), len(self.classes_)))
        for i in range(0, len(statements), batch):
            chunk = statements[i : i + batch]
            p = self._proba_linear(self.features_.transform(chunk), self.coef_, self.intercept_)
            if self._clause_rule_on:
                # clauses matter only where a theme is in the band [support * thr, thr)
                rows = np.flatnonzero(self._band(p).any(axis=1))
                if len(rows):
                    cmax = np.zeros_like(p)
                    cmax[rows] = self._clause_max(
                        [chunk[r] for r in rows.tolist()],
                        self.features_,
                        self.coef_,
                        self.intercept_,
                    )
                    p = self._combine(p, cmax)
            out[i : i + batch] = p
        return out

    def _band(self, p: np.ndarray) -> np.ndarray:
        thr = self.thresholds_
        return (p >= self.clause_support * thr) & (p < thr)

    def _clause_max(
        self, statements: Sequence[str], feats: TextFeatures, coef: np.ndarray, icpt: np.ndarray
    ) -> np.ndarray:
        """Per statement, the highest clause score of each theme (0 without clauses)."""
        owners: list[int] = []
        texts: list[str] = []
        for k, st in enumerate(statements):
            if len(st) >= _MIN_CLAUSE_STATEMENT:
                for c in clauses(st):
                    owners.append(k)
                    texts.append(c.text)
        cmax = np.zeros((len(statements), len(self.classes_)))
        if texts:
            pc = self._proba_linear(feats.transform(texts), coef, icpt)
            np.maximum.at(cmax, np.asarray(owners), pc)
        return cmax

    def _combine(self, p: np.ndarray, cmax: np.ndarray) -> np.ndarray:
        """The clause rule: a theme under its threshold takes the score of its best clause when
        that clause scores at least ``clause_threshold`` and the statement at least
        ``clause_support`` times the threshold. Scores of other themes are left as they are."""
        assert self.clause_threshold is not None
        use = self._band(p) & (cmax >= np.maximum(self.clause_threshold, self.thresholds_))
        return np.where(use, cmax, p)

    def _split(self, texts: Sequence[str]) -> tuple[list[list[Statement]], list[str]]:
        per_doc: list[list[Statement]] = []
        flat: list[str] = []
        for i, t in enumerate(texts):
            if not isinstance(t, str):
                raise InputTypeError(
                    f"texts[{i}] must be str, got {describe_type(t)}"
                    + (
                        ": decode it first (utf-8, or cp874 for TIS-620)"
                        if isinstance(t, bytes)
                        else ""
                    )
                )
            if len(t) <= self.max_statement_chars and "\n" not in t:
                st = [Statement(0, len(t), t)] if t.strip() else []
            else:
                st = list(iter_statements(t, max_chars=self.max_statement_chars))
            per_doc.append(st)
            flat.extend(s.text for s in st)
        return per_doc, flat

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Theme probabilities, shape ``(n_texts, n_themes)``; a document scores the maximum
        over its statements (single-label: the mean). Empty text scores 0."""
        check_fitted(self, "coef_")
        texts = _as_list(texts)
        per_doc, flat = self._split(texts)
        return self._aggregate(per_doc, self._statement_proba(flat))

    def _aggregate(self, per_doc: list[list[Statement]], proba: np.ndarray) -> np.ndarray:
        out = np.zeros((len(per_doc), len(self.classes_)))
        pos = 0
        for i, st in enumerate(per_doc):
            if st:
                block = proba[pos : pos + len(st)]
                out[i] = block.max(axis=0) if self.multi_label else block.mean(axis=0)
                pos += len(st)
        return out

    def decide(self, proba: np.ndarray, threshold: float | None = None) -> np.ndarray:
        """Binary decisions from probabilities (per-theme thresholds unless ``threshold``)."""
        if not self.multi_label:
            pred = np.zeros_like(proba, dtype=int)
            has = proba.sum(axis=1) > 0
            pred[np.flatnonzero(has), proba[has].argmax(axis=1)] = 1
            return pred
        thr = self.thresholds_ if threshold is None else np.full(len(self.classes_), threshold)
        return (proba >= thr).astype(int)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Multi-label: a 0/1 matrix ``(n_texts, n_themes)``; single-label: class names."""
        pred = self.decide(self.predict_proba(texts))
        if self.multi_label:
            return pred
        return self.classes_[pred.argmax(axis=1)]

    def predict_labels(
        self, texts: Sequence[str], threshold: float | None = None
    ) -> list[list[str]]:
        """Theme ids per text, highest score first."""
        proba = self.predict_proba(texts)
        pred = self.decide(proba, threshold)
        return [
            [self.classes_[j] for j in np.argsort(-p, kind="stable") if d[j]]
            for p, d in zip(proba, pred)
        ]

    def score(self, texts: Sequence[str], labels: Sequence[Any]) -> float:
        """Exact-match accuracy (scikit-learn's ``ClassifierMixin.score`` for multi-label)."""
        if self.multi_label:
            from .evaluate import to_matrix

            y = to_matrix(list(labels), list(self.classes_))
            return float((self.predict(texts) == y).all(axis=1).mean())
        return float((self.predict(texts) == np.asarray(labels, dtype=object)).mean())

    # -- explanation -----------------------------------------------------------------------------
    @property
    def model_id(self) -> str:
        meta = getattr(self, "metadata_", None) or {}
        return str(meta.get("model_id", "unsaved"))

    def explain(
        self, text: str, themes: Sequence[str] | None = None, top_k: int = 5
    ) -> dict[str, list[Evidence]]:
        """Evidence spans per theme for one text.

        Parameters
        ----------
        text : str
        themes : sequence of str, optional
            Themes to explain (default: the predicted ones).
        top_k : int
            Spans per theme.

        Returns
        -------
        dict
            theme id → list of :class:`Evidence`, strongest first; ``text[e.start:e.end] ==
            e.text`` for every span.
        """
        check_fitted(self, "coef_")
        check_text(text)
        (statements,), flat = self._split([text])
        if not statements:
            return {}
        proba = self._statement_proba(flat)
        if themes is None:
            doc = self.decide(proba.max(axis=0, keepdims=True))[0]
            themes = [self.classes_[j] for j in np.flatnonzero(doc)]
        index = {c: j for j, c in enumerate(self.classes_)}
        cache: dict[Any, Any] = {}
        return {
            t: _evidence_for(self, text, statements, proba, index[t], top_k, cache) for t in themes
        }


# --------------------------------------------------------------------------------------------
# helpers of the estimator
def _as_list(texts: Any) -> list[Any]:
    if isinstance(texts, str):
        raise InputTypeError("texts must be a sequence of str, not one str: wrap it in a list")
    if isinstance(texts, (bytes, bytearray)):
        raise InputTypeError("texts must be a sequence of str, got bytes: decode first")
    return list(texts)


def label_strata(y: np.ndarray) -> np.ndarray:
    """A stratum per row for k-fold splits of multi-label data: the row's rarest label, or -1
    for no label, so that every fold sees every theme."""
    freq = y.sum(axis=0)
    return np.array(
        [int(np.argmin(np.where(row > 0, freq, np.inf))) if row.any() else -1 for row in y]
    )


def _nb_ratio(x: Any, yj: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    p = alpha + np.asarray(x[yj == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(x[yj == 0].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum()))


def _best_thresholds(y: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Per column, the threshold in [0.1, 0.9] that maximizes F1 on out-of-fold probabilities;
    ties go to the threshold nearest 0.5 (less tuned to this corpus)."""
    grid = np.round(np.arange(0.10, 0.91, 0.025), 3)
    out = np.full(y.shape[1], 0.5)
    for j in range(y.shape[1]):
        yt = y[:, j].astype(bool)
        best = (-1.0, 0.0)
        for t in grid:
            p = proba[:, j] >= t
            tp = np.sum(p & yt)
            f1 = 2 * tp / max(p.sum() + yt.sum(), 1)
            key = (round(float(f1), 6), -abs(t - 0.5))
            if key > best:
                best, out[j] = key, t
    return out


def _evidence_for(
    model: ThemeClassifier,
    text: str,
    statements: list[Statement],
    proba: np.ndarray,
    j: int,
    top_k: int,
    cache: dict[Any, Any] | None = None,
) -> list[Evidence]:
    """Evidence spans of theme ``j`` in ``text``. ``cache`` (a dict the caller keeps for the
    themes of one text or batch) holds what does not depend on the theme: clause scores and
    each unit's token attributions."""
    if cache is None:
        cache = {}
    thr = model.thresholds_[j] if model.multi_label else 0.0
    spans: list[Evidence] = []
    order = np.argsort(-proba[:, j], kind="stable")
    for si in order:
        # statements that carry the theme; at least the best one
        if spans and proba[si, j] < thr:
            break
        unit = _best_unit(model, statements[si], j, cache)
        spans.extend(_statement_evidence(model, unit, j, cache))
    spans.sort(key=lambda e: -e.weight)
    if spans:  # drop crumbs: spans far weaker than the strongest one
        spans = [e for e in spans if e.weight >= 0.15 * spans[0].weight]
    return [
        Evidence(e.start, e.end, text[e.start : e.end], e.terms, e.weight) for e in spans[:top_k]
    ]


def _best_unit(
    model: ThemeClassifier, st: Statement, j: int, cache: dict[Any, Any] | None = None
) -> Statement:
    """The statement, or the clause of it that scores theme ``j`` higher than the whole does
    (then the evidence is that clause's, as the clause rule is what assigned the theme)."""
    if not model._clause_rule_on or len(st.text) < _MIN_CLAUSE_STATEMENT:
        return st
    key = ("clauses", st.text)
    hit = cache.get(key) if cache is not None else None
    if hit is None:
        parts = clauses(st.text)
        p_all = None
        if parts:
            p_all = model._proba_linear(
                model.features_.transform([st.text, *(c.text for c in parts)]),
                model.coef_,
                model.intercept_,
            )
        hit = (parts, p_all)
        if cache is not None:
            cache[key] = hit
    parts, p_all = hit
    if not parts or p_all is None:
        return st
    p = p_all[:, j]
    k = int(np.argmax(p[1:]))
    if p[1 + k] <= p[0]:
        return st
    c = parts[k]
    return Statement(st.start + c.start, st.start + c.end, c.text)


@dataclass(frozen=True)
class _Attribution:
    """What explaining one unit needs whatever the theme: its tokens (positions in the
    normalized text, mapped back through ``off``) and ``matrix`` (tokens × features), the share
    of each feature's tf-idf value that each token carries, so that a theme's token scores are
    ``matrix @ coef[theme]``."""

    off: Any
    tokens: list[Any]
    matrix: Any


def _attribution(model: ThemeClassifier, text: str) -> _Attribution | None:
    import scipy.sparse as sp

    feats = model.features_
    off = normalize_with_offsets(text)
    norm = off.text
    if not norm:
        return None
    x = feats.transform_normalized([norm]).tocsr()
    value = dict(zip(x.indices.tolist(), x.data.tolist()))
    tokens = feats.tokenizer_.tokenize_with_spans(norm)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    # word n-grams: a feature's value is shared by its occurrences, then by their tokens
    forms = [t.text for t in tokens]
    spans = [
        (i, i + n) for n in range(1, feats.word_ngram_max + 1) for i in range(len(forms) - n + 1)
    ]
    found = feats.word_vectorizer_.lookup([" ".join(forms[a:b]) for a, b in spans])
    occurrences: dict[int, list[tuple[int, int]]] = {}
    for (a, b), col in zip(spans, found.tolist()):
        if col >= 0:
            occurrences.setdefault(col, []).append((a, b))
    for col, occ in occurrences.items():
        v = value.get(col, 0.0) / len(occ)
        for a, b in occ:
            for i in range(a, b):
                rows.append(i)
                cols.append(col)
                vals.append(v / (b - a))
    # char n-grams: shared by the occurrences, then by the characters covered; a token
    # collects the shares of its characters (characters between tokens are dropped)
    if feats.char_vectorizer_ is not None and tokens:
        owner = np.full(len(norm), -1, dtype=np.int64)
        for i, t in enumerate(tokens):
            owner[t.start : t.end] = i
        base = feats.n_word_features_
        hits = feats.char_vectorizer_.find(norm)
        counts: dict[int, int] = {}
        for col, _, _ in hits:
            counts[col] = counts.get(col, 0) + 1
        for col, a, b in hits:
            v = value.get(base + col, 0.0) / counts[col] / (b - a)
            for i in owner[a:b].tolist():
                if i >= 0:
                    rows.append(i)
                    cols.append(base + col)
                    vals.append(v)
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(tokens), x.shape[1]))
    return _Attribution(off, tokens, matrix)


def _statement_evidence(
    model: ThemeClassifier, st: Statement, j: int, cache: dict[Any, Any] | None = None
) -> list[Evidence]:
    key = ("attribution", st.text)
    if cache is not None and key in cache:
        att = cache[key]
    else:
        att = _attribution(model, st.text)
        if cache is not None:
            cache[key] = att
    if att is None:
        return []
    tokens = att.tokens
    score = att.matrix @ model.coef_[j].astype(np.float64)
    # merge runs of adjacent positive tokens
    out: list[Evidence] = []
    i = 0
    while i < len(tokens):
        if score[i] <= 0:
            i += 1
            continue
        k = i
        while k + 1 < len(tokens) and score[k + 1] > 0 and tokens[k + 1].start - tokens[k].end <= 1:
            k += 1
        s, e = att.off.to_original(tokens[i].start, tokens[k].end)
        out.append(
            Evidence(
                st.start + s,
                st.start + e,
                "",
                tuple(t.text for t in tokens[i : k + 1]),
                float(score[i : k + 1].sum()),
            )
        )
        i = k + 1
    return out


# --------------------------------------------------------------------------------------------
# the function other code calls
_DEFAULT_LOCK = threading.Lock()
_DEFAULT_MODEL: list[ThemeClassifier] = []


def _default_model() -> ThemeClassifier:
    if not _DEFAULT_MODEL:
        with _DEFAULT_LOCK:
            if not _DEFAULT_MODEL:
                from .persist import load_model

                _DEFAULT_MODEL.append(load_model())
    return _DEFAULT_MODEL[0]


def resolve_model(model: ThemeClassifier | str | Path | None = None) -> ThemeClassifier:
    """The model a ``model=`` argument names: ``None`` → the shipped default model (loaded
    once per process, shared), a :class:`ThemeClassifier` as it is, a path → :func:`load_model`."""
    if model is None:
        return _default_model()
    if isinstance(model, ThemeClassifier):
        return model
    from .persist import load_model

    return load_model(model)


def classify_feedback(
    x: str | Iterable[str] | pd.Series,
    model: ThemeClassifier | str | None = None,
    threshold: float | None = None,
    *,
    explain: bool = True,
    top_k: int = 3,
) -> FeedbackResult | list[FeedbackResult] | pd.DataFrame:
    """Sort feedback into policy themes, with scores and evidence.

    Parameters
    ----------
    x : str, iterable of str, or pandas.Series
        One text, many texts, or a Series of texts.
    model : ThemeClassifier or path, optional
        Default: the shipped default model, loaded once on first use.
    threshold : float, optional
        One threshold for all themes instead of the model's tuned per-theme thresholds.
    explain : bool
        Compute evidence spans (costs time; off for pure scoring).
    top_k : int
        Evidence spans per theme.

    Returns
    -------
    FeedbackResult
        for a ``str``; a list of them for an iterable; a ``pandas.DataFrame`` for a Series
        (index kept; columns ``themes``, ``top_theme``, ``score_<theme>`` per theme,
        ``evidence``).

    Raises
    ------
    TypeError
        (:class:`thaisme_nlp.errors.InputTypeError`) for a non-``str`` item, naming its index.
        A Series holding ``None``/NaN raises too: drop or fill them first
        (``s.dropna()`` or ``s.fillna("")``).

    Examples
    --------
    >>> r = classify_feedback("อยากให้ธนาคารอนุมัติสินเชื่อเร็วขึ้น และช่วยหาช่องทางขายออนไลน์")
    >>> sorted(r.theme_ids)
    ['financing', 'online_marketing']
    """
    clf = resolve_model(model)
    if threshold is not None and not 0.0 <= float(threshold) <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")

    series = _series_or_none(x)
    if isinstance(x, str):
        return _classify_many(clf, [x], threshold, explain, top_k)[0]
    if isinstance(x, (bytes, bytearray)):
        check_text(x)
    if series is not None:
        for idx, v in series.items():
            if not isinstance(v, str):
                raise InputTypeError(
                    f"Series item at index {idx!r} must be str, got {describe_type(v)}; "
                    "drop or fill missing values first (s.dropna() or s.fillna(''))"
                )
        results = _classify_many(clf, series.tolist(), threshold, explain, top_k)
        return _to_frame(results, series.index, clf)
    if not isinstance(x, Iterable):
        raise InputTypeError(
            f"x must be str, an iterable of str or a pandas.Series, got {describe_type(x)}"
        )
    return _classify_many(clf, list(x), threshold, explain, top_k)


def _series_or_none(x: Any) -> pd.Series | None:
    mod = type(x).__module__
    if mod.startswith("pandas"):
        import pandas as pd

        if isinstance(x, pd.Series):
            return x
    return None


def _classify_many(
    clf: ThemeClassifier, texts: list[Any], threshold: float | None, explain: bool, top_k: int
) -> list[FeedbackResult]:
    check_fitted(clf, "coef_")
    per_doc, flat = clf._split(texts)
    st_proba = clf._statement_proba(flat)
    proba = clf._aggregate(per_doc, st_proba)
    pred = clf.decide(proba, threshold)
    cb = clf.codebook_
    labels = {t.id: t for t in cb} if cb is not None else {}
    results = []
    pos = 0
    for i, text in enumerate(texts):
        st = per_doc[i]
        block = st_proba[pos : pos + len(st)]
        pos += len(st)
        themes = []
        cache: dict[Any, Any] = {}  # what the evidence of this text's themes shares
        for j in np.argsort(-proba[i], kind="stable"):
            if not pred[i, j]:
                continue
            cid = str(clf.classes_[j])
            ev: tuple[Evidence, ...] = ()
            if explain:
                ev = tuple(_evidence_for(clf, text, st, block, int(j), top_k, cache))
            th = labels.get(cid)
            themes.append(
                ThemeScore(
                    cid,
                    th.label_th if th else cid,
                    th.label_en if th else cid,
                    float(proba[i, j]),
                    ev,
                )
            )
        results.append(
            FeedbackResult(
                text=text,
                themes=tuple(themes),
                scores={str(c): float(p) for c, p in zip(clf.classes_, proba[i])},
                model_id=clf.model_id,
                codebook_version=cb.version if cb is not None else "",
                n_statements=len(st),
            )
        )
    return results


def _to_frame(results: list[FeedbackResult], index: Any, clf: ThemeClassifier) -> pd.DataFrame:
    import pandas as pd

    data: dict[str, Any] = {
        "themes": [r.theme_ids for r in results],
        "top_theme": [r.top_theme for r in results],
    }
    for c in clf.classes_:
        data[f"score_{c}"] = [r.scores[str(c)] for r in results]
    data["evidence"] = [
        {t.id: [e.to_dict() for e in t.evidence] for t in r.themes} for r in results
    ]
    return pd.DataFrame(data, index=index)
