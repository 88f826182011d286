"""Topic models for researchers: codebook-seeded NMF (or LDA), coherence, emerging topics.

Seeded mode (``seeded=True``, the default) guides one topic per codebook theme with the
theme's seed terms, in two ways:

1. **seed-word boost in the term weighting** — the TF-IDF columns of seed terms are multiplied
   by ``seed_boost`` before factorizing, so the factorization cares more about fitting them
   (the lexical-prior idea of Jagarlamudi, Daumé & Udupa 2012, "Incorporating lexical priors
   into topic models", EACL);
2. **guided NMF** (NMF only) — the seeded topics start from their seed terms and, while NMF
   fits the data by multiplicative updates (Lee & Seung 2001), a penalty
   ``seed_strength * ||H_k - T_k||^2`` pulls each seeded topic's term weights towards its
   seed terms ``T_k``: the semi-supervised NMF of interactive topic modelling (Choo et al.
   2013, "UTOPIAN", IEEE TVCG 19(12), which steers topics with a reference term matrix the
   same way). Initialization alone does not hold: within a hundred iterations frequent words
   take over a seeded topic.

``n_free_topics`` more topics start from a deterministic NNDSVD-style initialization and
catch what the codebook misses; :meth:`TopicModel.emerging_topics` lists those that no theme
covers. LDA (``method="lda"``) has no custom initialization in scikit-learn, so its seeded mode
is the boost only.

Quality: NPMI coherence of each topic's top terms on document co-occurrence in the fitted
corpus (or a reference corpus given), and topic diversity (unique top-k terms / k·topics).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ._estimator import Estimator, check_fitted
from .codebook import Codebook
from .errors import NotEnoughDataError, UnknownEngineError, check_text
from .keywords import join_tokens
from .text.tokenize import Tokenizer

__all__ = ["TopicModel", "npmi_coherence", "topic_diversity"]

METHODS = ("nmf", "lda")


class TopicModel(Estimator):
    """Topics of a collection of Thai statements, optionally seeded by a codebook.

    Parameters
    ----------
    n_free_topics : int
        Unseeded topics (in seeded mode, added to one topic per theme). In unseeded mode,
        the number of topics is ``n_topics``.
    n_topics : int, optional
        Number of topics in unseeded mode (default: themes + ``n_free_topics``, so seeded and
        unseeded models of the same codebook are the same size).
    codebook : Codebook, optional
        Default: :meth:`Codebook.default`.
    seeded : bool
        Guide one topic per theme with its seed terms (see the module notes).
    method : {"nmf", "lda"}
    seed_boost : float
        Weight multiplier of seed-term columns in seeded mode.
    seed_strength : float
        How strongly a seeded topic's term weights are pulled towards its seed terms
        (guided NMF; 0 = initialization only).
    tokenizer : Tokenizer, optional
        Default: ``Tokenizer()`` (stopwords dropped).
    ngram_max : int
        Longest word n-gram used as a term (n-grams never start or end with a stopword).
    min_df, max_df : int, float
        Vocabulary pruning (absolute minimum document count; maximum document share).
    max_features : int
        Keep the most frequent terms.
    max_iter : int
    min_terms : int
        Statements with fewer distinct terms are left out of fitting (a lone "พิมพ์" or
        "ที่มา :" line would otherwise make a topic of its own); they are counted in
        ``n_empty_documents_``.
    random_state : int

    Examples
    --------
    >>> texts = ["ขอสินเชื่อดอกเบี้ยต่ำจากธนาคาร", "ค่าขนส่งสินค้าแพงมาก",
    ...          "สินเชื่อช่วยผู้ประกอบการได้", "ขนส่งพัสดุช้าทุกวัน"] * 10
    >>> tm = TopicModel(n_free_topics=1, min_df=1, min_terms=1).fit(texts)
    >>> tm.transform(["ขอสินเชื่อ"]).shape
    (1, 13)
    """

    def __init__(
        self,
        n_free_topics: int = 5,
        n_topics: int | None = None,
        codebook: Codebook | None = None,
        seeded: bool = True,
        method: str = "nmf",
        seed_boost: float = 3.0,
        seed_strength: float = 0.05,
        tokenizer: Tokenizer | None = None,
        ngram_max: int = 1,
        min_df: int = 5,
        max_df: float = 0.3,
        max_features: int = 20_000,
        max_iter: int = 300,
        min_terms: int = 3,
        random_state: int = 0,
    ) -> None:
        self.n_free_topics = n_free_topics
        self.n_topics = n_topics
        self.codebook = codebook
        self.seeded = seeded
        self.method = method
        self.seed_boost = seed_boost
        self.seed_strength = seed_strength
        self.tokenizer = tokenizer
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.max_iter = max_iter
        self.min_terms = min_terms
        self.random_state = random_state

    # -- terms -------------------------------------------------------------------------------
    def _terms(self, texts: Sequence[str]) -> list[list[str]]:
        from .keywords import phrase_tokenizer, phrases
        from .resources import domain_stopwords, thai_stopwords

        texts = [_URL.sub(" ", t) for t in texts]  # links would make a topic of their own
        if self.ngram_max == 1:
            tok = self.tokenizer_
            return [tok(t) for t in texts]
        # phrases need every token kept, or an n-gram would join words that were not adjacent
        ptok = phrase_tokenizer()
        stop = thai_stopwords() | domain_stopwords()
        return [phrases(t, ptok, stop, (1, self.ngram_max)) for t in texts]

    def _seed_vectors(self, cb: Codebook) -> np.ndarray:
        """(themes, vocabulary) 0/1: the vocabulary terms that are, or are part of, a seed."""
        index = {t: j for j, t in enumerate(self.vocabulary_)}
        out = np.zeros((len(cb), len(self.vocabulary_)))
        for k, theme in enumerate(cb):
            for seed in theme.seeds:
                # a seed counts when it is one term of the vocabulary (a word, or an n-gram with
                # ngram_max > 1); the words of a longer seed alone are too generic (การ, พัฒนา)
                toks = self.tokenizer_(seed)
                j = index.get(join_tokens(toks)) if toks else None
                if j is not None:
                    out[k, j] = 1.0
        return out

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, texts: Iterable[str], y: Any = None) -> TopicModel:
        """Fit on statements (use :func:`thaisme_nlp.segment` to cut documents first).

        Raises
        ------
        NotEnoughDataError
            fewer usable documents than ``3 x`` the number of topics.
        """
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

        if self.method not in METHODS:
            raise UnknownEngineError(
                f"unknown method {self.method!r}; valid methods: {', '.join(METHODS)}"
            )
        t0 = time.perf_counter()
        texts = [check_text(t, where=f"texts[{i}]") for i, t in enumerate(texts)]
        self.tokenizer_ = self.tokenizer or Tokenizer()
        cb = self.codebook or Codebook.default()
        self.codebook_ = cb
        k_seeded = len(cb) if self.seeded else 0
        if self.seeded or self.n_topics is None:
            k = len(cb) + self.n_free_topics
        else:
            k = self.n_topics
        self.n_components_ = k
        terms = self._terms(texts)
        keep = [i for i, t in enumerate(terms) if len(set(t)) >= max(self.min_terms, 1)]
        self.n_documents_ = len(texts)
        self.n_empty_documents_ = len(texts) - len(keep)
        needed = 3 * k
        if len(keep) < needed:
            raise NotEnoughDataError(
                f"{k} topics need at least {needed} documents with words; got {len(keep)} "
                f"({self.n_empty_documents_} of {len(texts)} have fewer than {self.min_terms} "
                "distinct terms)"
            )
        cv = CountVectorizer(
            analyzer=_identity,
            min_df=min(self.min_df, max(1, len(keep) // 10)),
            max_df=self.max_df if len(keep) >= 50 else 1.0,
            max_features=self.max_features,
        )
        counts = cv.fit_transform([terms[i] for i in keep])
        self.vocabulary_ = cv.get_feature_names_out().astype(object)
        self._fit_docs = keep  # indices of the fitted documents, for representatives
        seeds = self._seed_vectors(cb) if self.seeded else np.zeros((0, counts.shape[1]))
        self.seed_vectors_ = seeds
        boost = np.ones(counts.shape[1])
        if self.seeded and self.seed_boost != 1.0:
            boost[seeds.any(axis=0)] = self.seed_boost
        self.column_boost_ = boost
        if self.method == "nmf":
            self._tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
            x = self._tfidf.transform(counts).multiply(boost).tocsr()
            self._fit_nmf(x, k, k_seeded, seeds)
        else:
            from sklearn.decomposition import LatentDirichletAllocation

            x = counts.multiply(boost).tocsr()
            self.model_ = LatentDirichletAllocation(
                n_components=k,
                learning_method="batch",
                max_iter=min(self.max_iter, 50),
                random_state=self.random_state,
            )
            self.doc_topic_ = self.model_.fit_transform(x)
        self.components_ = self.model_.components_
        self._binary = (counts > 0).astype(np.int8).tocsc()
        self.topic_theme_map_ = self._map_topics(cb, k_seeded)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def _fit_nmf(self, x: Any, k: int, k_seeded: int, seeds: np.ndarray) -> None:
        from sklearn.decomposition import NMF

        if not self.seeded:
            self.model_ = NMF(
                n_components=k,
                init="nndsvda",
                max_iter=self.max_iter,
                random_state=self.random_state,
            )
            self.doc_topic_ = self.model_.fit_transform(x)
            return
        # Guided NMF: minimize ||X - WH||^2 + strength * sum_k ||H_k - T_k||^2 over the seeded
        # topics k, with T_k the theme's seed terms at the data's scale. Initialization alone
        # does not hold: multiplicative updates let frequent words (บาท, ปี) take over a seeded
        # topic within a hundred iterations; the pull towards T_k keeps it on its theme while
        # the other terms' weights are learned from the data.
        rng = np.random.default_rng(self.random_state)
        v = x.shape[1]
        avg = np.sqrt(x.mean() / k)
        h = avg * np.abs(rng.standard_normal((k, v))) + 1e-9
        target = np.zeros((k, v))
        has = seeds.any(axis=1)
        target[:k_seeded][has] = (
            seeds[has] / np.maximum(seeds[has].sum(axis=1, keepdims=True), 1) * v * avg
        )
        h[:k_seeded][has] = target[:k_seeded][has] + 1e-3 * avg
        pull = np.zeros((k, 1))
        pull[:k_seeded][has] = self.seed_strength
        w = np.maximum(np.asarray(x @ h.T), 1e-9)
        w /= np.maximum(w.sum(axis=1, keepdims=True), 1e-12) / max(avg * v, 1e-12)
        xt = x.T.tocsr()
        eps = 1e-12
        x_sq = float(x.multiply(x).sum())
        last = np.inf
        it = 0
        for it in range(1, self.max_iter + 1):
            w *= np.asarray(x @ h.T) / (w @ (h @ h.T) + eps)
            wtw = w.T @ w
            scale = np.trace(wtw) / k  # keeps the pull comparable to the data term
            xtw = np.asarray((xt @ w).T)
            h *= (xtw + pull * scale * target) / (wtw @ h + pull * scale * h + eps)
            if it % 10 == 0:  # ||X - WH||^2 without forming WH; stop when it stalls
                err = x_sq - 2 * float((xtw * h).sum()) + float((wtw * (h @ h.T)).sum())
                if last - err < 1e-4 * last:
                    break
                last = err
        self.n_iter_ = it
        self.model_ = _FittedNMF(h)
        self.doc_topic_ = w

    def _map_topics(
        self, cb: Codebook, k_seeded: int, min_similarity: float = 0.05
    ) -> list[dict[str, Any]]:
        """Each topic's best theme by cosine similarity of its term weights with the theme's
        seed terms (or ``None`` below ``min_similarity``)."""
        seeds = self._seed_vectors(cb) if not self.seeded else self.seed_vectors_
        h = self.components_ / np.maximum(
            np.linalg.norm(self.components_, axis=1, keepdims=True), 1e-12
        )
        s = seeds / np.maximum(np.linalg.norm(seeds, axis=1, keepdims=True), 1e-12)
        sim = h @ s.T
        out = []
        for t in range(h.shape[0]):
            j = int(np.argmax(sim[t])) if sim.shape[1] else 0
            best = float(sim[t, j]) if sim.shape[1] else 0.0
            out.append(
                {
                    "topic": t,
                    "seeded_as": cb.ids[t] if t < k_seeded else None,
                    "theme": cb.ids[j] if best >= min_similarity else None,
                    "similarity": round(best, 4),
                }
            )
        return out

    # -- using the model ----------------------------------------------------------------------
    def transform(self, texts: Iterable[str]) -> np.ndarray:
        """Document–topic weights ``(n_texts, n_topics)``; a text with no known word is 0."""
        check_fitted(self, "model_")
        from sklearn.feature_extraction.text import CountVectorizer

        texts = [check_text(t, where=f"texts[{i}]") for i, t in enumerate(texts)]
        cv = CountVectorizer(analyzer=_identity, vocabulary=list(self.vocabulary_))
        counts = cv.transform(self._terms(texts))
        if self.method == "nmf":
            x = self._tfidf.transform(counts).multiply(self.column_boost_).tocsr()
        else:
            x = counts.multiply(self.column_boost_).tocsr()
        return self.model_.transform(x)

    def topic_terms(self, n: int = 10) -> Any:
        """Top ``n`` terms per topic as a tidy DataFrame (topic, rank, term, weight, theme)."""
        import pandas as pd

        check_fitted(self, "model_")
        rows = []
        for t, comp in enumerate(self.components_):
            for r, j in enumerate(np.argsort(-comp, kind="stable")[:n]):
                rows.append(
                    (
                        t,
                        r + 1,
                        self.vocabulary_[j],
                        float(comp[j]),
                        self.topic_theme_map_[t]["theme"],
                    )
                )
        return pd.DataFrame(rows, columns=["topic", "rank", "term", "weight", "theme"])

    def _top(self, n: int) -> list[np.ndarray]:
        return [np.argsort(-c, kind="stable")[:n] for c in self.components_]

    def coherence(self, top_n: int = 10, reference: Sequence[str] | None = None) -> Any:
        """NPMI coherence of each topic's ``top_n`` terms (DataFrame: topic, npmi), on
        document co-occurrence in the fitted corpus or in ``reference`` statements."""
        import pandas as pd

        check_fitted(self, "model_")
        if reference is None:
            binary = self._binary
        else:
            from sklearn.feature_extraction.text import CountVectorizer

            cv = CountVectorizer(analyzer=_identity, vocabulary=list(self.vocabulary_), binary=True)
            binary = cv.transform(self._terms(list(reference))).tocsc()
        scores = npmi_coherence(binary, self._top(top_n))
        return pd.DataFrame({"topic": range(len(scores)), "npmi": scores})

    def diversity(self, top_n: int = 25) -> float:
        """Unique top-``top_n`` terms over ``top_n`` x topics (1 = no term shared)."""
        check_fitted(self, "model_")
        return topic_diversity(self._top(top_n))

    def emerging_topics(
        self, texts: Sequence[str] | None = None, n_terms: int = 10, n_examples: int = 3
    ) -> Any:
        """Topics that no codebook theme covers, with top terms and the statements that weigh
        most on them (``texts``: the statements the model was fitted on, for examples)."""
        import pandas as pd

        check_fitted(self, "model_")
        rows = []
        top = self._top(n_terms)
        for m in self.topic_theme_map_:
            if m["theme"] is not None:
                continue
            t = m["topic"]
            terms = [self.vocabulary_[j] for j in top[t]]
            examples: list[str] = []
            if texts is not None:
                order = np.argsort(-self.doc_topic_[:, t], kind="stable")
                for i in order[: 50 * n_examples]:  # distinct statements only
                    ex = texts[self._fit_docs[i]]
                    if ex not in examples:
                        examples.append(ex)
                    if len(examples) == n_examples:
                        break
            rows.append(
                {"topic": t, "terms": terms, "similarity": m["similarity"], "examples": examples}
            )
        return pd.DataFrame(rows, columns=["topic", "terms", "similarity", "examples"])

    def sweep(self, texts: Sequence[str], n_free: Sequence[int], top_n: int = 10) -> Any:
        """Fit once per value of ``n_free_topics`` (other settings kept): DataFrame with
        n_topics, mean NPMI, diversity and seconds."""
        import pandas as pd

        rows = []
        for n in n_free:
            tm = type(self)(**{**self.get_params(deep=False), "n_free_topics": int(n)}).fit(texts)
            rows.append(
                {
                    "n_free_topics": int(n),
                    "n_topics": tm.n_components_,
                    "npmi": float(tm.coherence(top_n)["npmi"].mean()),
                    "diversity": tm.diversity(),
                    "seconds": tm.fit_seconds_,
                }
            )
        return pd.DataFrame(rows)


class _FittedNMF:
    """The fitted factor of guided NMF, with NMF's ``components_`` and ``transform``."""

    def __init__(self, components: np.ndarray) -> None:
        self.components_ = components

    def transform(self, x: Any) -> np.ndarray:
        """Document weights for fixed topics: non-negative least squares by multiplicative
        updates, as scikit-learn's NMF.transform does."""
        h = self.components_
        hht = h @ h.T
        xh = np.asarray(x @ h.T)
        w = np.full((x.shape[0], h.shape[0]), max(float(xh.mean()), 1e-6))
        for _ in range(200):
            w *= xh / (w @ hht + 1e-12)
        w[np.asarray(x.sum(axis=1)).ravel() == 0] = 0.0
        return w


_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\S+")


def _identity(doc: Any) -> Any:
    return doc


def npmi_coherence(binary: Any, tops: Sequence[np.ndarray]) -> list[float]:
    """Mean NPMI over the term pairs of each topic (Bouma 2009; Lau, Newman & Baldwin 2014),
    from a binary document–term matrix. A pair never seen together scores -1."""
    import scipy.sparse as sp

    b = sp.csc_matrix(binary, dtype=np.float64)
    n = b.shape[0]
    out = []
    for top in tops:
        sub = b[:, top]
        co = np.asarray((sub.T @ sub).todense())
        p = np.diag(co) / n
        vals = []
        for i in range(len(top)):
            for j in range(i + 1, len(top)):
                pij = co[i, j] / n
                if pij <= 0 or p[i] <= 0 or p[j] <= 0:
                    vals.append(-1.0)
                elif pij >= 1.0:
                    vals.append(1.0)
                else:
                    vals.append(float(np.log(pij / (p[i] * p[j])) / -np.log(pij)))
        out.append(float(np.mean(vals)) if vals else 0.0)
    return out


def topic_diversity(tops: Sequence[np.ndarray]) -> float:
    """Dieng, Ruiz & Blei (2020): unique top terms over all top-term slots."""
    allterms = np.concatenate([np.asarray(t) for t in tops]) if tops else np.array([])
    return float(len(np.unique(allterms)) / max(len(allterms), 1))
