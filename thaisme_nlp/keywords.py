"""Offline keywords and keyphrases: TF-IDF, or class-based TF-IDF per group.

Phrases are token n-grams that do not cross punctuation or numbers and neither start nor end
with a stopword (the RAKE rule: Rose et al. 2010); Thai tokens are joined without a space, a
Latin token gets a space on its Latin side. With ``by=`` the score is class-based TF-IDF
(Grootendorst 2022, BERTopic's c-TF-IDF): the term's frequency in the group times
``log(1 + A / f_t)``, with ``A`` the average number of tokens per group and ``f_t`` the term's
frequency over all groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import check_text
from .resources import domain_stopwords, thai_stopwords
from .text.normalize import normalize
from .text.tokenize import Tokenizer

__all__ = ["extract_keywords", "join_tokens", "phrase_ngrams"]


def _is_thai(c: str) -> bool:
    return "\u0e01" <= c <= "\u0e5b"


def join_tokens(tokens: Sequence[str]) -> str:
    """Join tokens the Thai way: no space between two Thai tokens, a space otherwise.

    >>> join_tokens(["ตลาด", "ออนไลน์", "shopee", "ขาย"])
    'ตลาดออนไลน์ shopee ขาย'
    """
    out = []
    for i, t in enumerate(tokens):
        if i and not (_is_thai(tokens[i - 1][-1]) and _is_thai(t[0])):
            out.append(" ")
        out.append(t)
    return "".join(out)


def phrase_ngrams(
    tokens: Sequence[str], stop: frozenset[str], ngram_range: tuple[int, int]
) -> list[str]:
    """Candidate keyphrases of one tokenized text (see the module notes)."""
    lo, hi = ngram_range
    runs: list[list[str]] = [[]]
    for t in tokens:
        if any(ch.isalpha() for ch in t) or any("\u0e31" <= ch <= "\u0e4e" for ch in t):
            runs[-1].append(t)
        elif runs[-1]:
            runs.append([])
    out: list[str] = []
    for run in runs:
        n_tok = len(run)
        for i, first in enumerate(run):
            if first in stop:
                continue
            for n in range(lo, min(hi, n_tok - i) + 1):
                last = run[i + n - 1]
                if last in stop:
                    continue
                out.append(join_tokens(run[i : i + n]))
    return out


def phrases(
    text: str, tok: Tokenizer, stop: frozenset[str], ngram_range: tuple[int, int]
) -> list[str]:
    """Candidate keyphrases of one text: :func:`phrase_ngrams` per whitespace-separated chunk
    (Thai puts a space between clauses, so a phrase never crosses whitespace). ``tok`` must
    keep stopwords, punctuation and numbers, or a phrase would join words that were not
    adjacent."""
    return [
        p for chunk in normalize(text).split() for p in phrase_ngrams(tok(chunk), stop, ngram_range)
    ]


def phrase_tokenizer() -> Tokenizer:
    """The tokenizer :func:`phrases` expects: everything kept, stopwords handled at phrase
    edges instead."""
    return Tokenizer(stopwords=False, keep_punct=True, keep_numbers=True)


def extract_keywords(
    texts: Iterable[str] | pd.Series,
    top_n: int = 10,
    ngram_range: tuple[int, int] = (1, 3),
    by: Sequence[Any] | pd.Series | None = None,
    *,
    tokenizer: Tokenizer | None = None,
    stopwords: Iterable[str] | None = None,
    min_df: int = 1,
) -> pd.DataFrame:
    """Keywords and keyphrases of a collection of texts, overall or per group.

    Parameters
    ----------
    texts : iterable of str or pandas.Series
        The documents or statements.
    top_n : int
        Terms to return (per group when ``by`` is given).
    ngram_range : (int, int)
        Lengths of phrases in tokens.
    by : sequence or Series, optional
        A group label per text (province, stakeholder, theme); keywords per group by
        class-based TF-IDF.
    tokenizer : Tokenizer, optional
        Default: ``Tokenizer(stopwords=False, keep_punct=True, keep_numbers=True)``: stopwords
        are applied at the phrase edges instead, and punctuation and numbers end a phrase.
    stopwords : iterable of str, optional
        Default: PyThaiNLP's Thai stopwords plus the domain list.
    min_df : int
        Drop terms found in fewer documents.

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` (``None`` without ``by``), ``term``, ``score``, ``doc_freq``; sorted by
        group, then score descending.

    Examples
    --------
    >>> texts = ["ขอสินเชื่อดอกเบี้ยต่ำ", "สินเชื่อดอกเบี้ยต่ำช่วยได้มาก", "ค่าขนส่งแพง"]
    >>> extract_keywords(texts, top_n=2)["term"].tolist()
    ['สินเชื่อดอกเบี้ยต่ำ', 'ค่าขนส่ง']
    """
    from sklearn.feature_extraction.text import CountVectorizer

    docs = [check_text(t, where=f"texts[{i}]") for i, t in enumerate(texts)]
    if by is not None:
        groups = list(by)
        if len(groups) != len(docs):
            raise ValueError(f"by has {len(groups)} labels for {len(docs)} texts")
    if top_n < 1:
        raise ValueError(f"top_n must be >= 1, got {top_n}")
    columns = ["group", "term", "score", "doc_freq"]
    tok = tokenizer or phrase_tokenizer()
    stop = frozenset(stopwords) if stopwords is not None else thai_stopwords() | domain_stopwords()
    doc_phrases = [phrases(d, tok, stop, ngram_range) for d in docs]
    if not any(doc_phrases):
        return pd.DataFrame(columns=columns)
    cv = CountVectorizer(analyzer=lambda x: x, min_df=min(min_df, len(docs)))
    try:
        counts = cv.fit_transform(doc_phrases).tocsr()
    except ValueError:  # nothing left after min_df
        return pd.DataFrame(columns=columns)
    terms = cv.get_feature_names_out()
    doc_freq = np.asarray((counts > 0).sum(axis=0)).ravel()

    if by is None:
        tf = counts.astype(float)
        tf.data = 1.0 + np.log(tf.data)  # sublinear tf
        idf = np.log((1 + len(docs)) / (1 + doc_freq)) + 1.0
        tfidf = tf.multiply(idf).tocsr()
        norms = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        score = np.asarray(tfidf.multiply(1.0 / norms[:, None]).mean(axis=0)).ravel()
        order = np.argsort(-score, kind="stable")[:top_n]
        return pd.DataFrame(
            {
                "group": [None] * len(order),
                "term": terms[order],
                "score": score[order],
                "doc_freq": doc_freq[order],
            },
            columns=columns,
        )

    labels = pd.Series(groups, dtype="object")
    uniq = list(dict.fromkeys(labels))
    rows = []
    per_class = np.vstack(
        [np.asarray(counts[np.flatnonzero(labels == g)].sum(axis=0)).ravel() for g in uniq]
    )
    avg_words = per_class.sum() / len(uniq)
    idf = np.log(1.0 + avg_words / np.maximum(per_class.sum(axis=0), 1))
    for gi, g in enumerate(uniq):
        total = per_class[gi].sum()
        if total == 0:
            continue
        score = per_class[gi] / total * idf
        rows_g = np.flatnonzero(labels == g)
        df_g = np.asarray((counts[rows_g] > 0).sum(axis=0)).ravel()
        for j in np.argsort(-score, kind="stable")[:top_n]:
            if score[j] > 0:
                rows.append((g, terms[j], float(score[j]), int(df_g[j])))
    return pd.DataFrame(rows, columns=columns)
