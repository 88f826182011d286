"""TF-IDF features over Thai text: word n-grams from the Tokenizer plus character n-grams.

Character n-grams make the model robust to tokenization errors, typos and unseen spellings
(Thai chat spells freely). sklearn's ``analyzer="char"`` builds every n-gram as a Python string,
which costs more than the whole rest of classification, so :class:`CharNgramVectorizer` computes
them with numpy: each n-gram of up to 3 code points is packed exactly into one int64
(21 bits a code point), looked up in a sorted vocabulary with ``searchsorted``. Same
definition as sklearn's (sublinear tf, smooth idf, l2 rows), no hashing collisions, and an
n-gram id decodes back to its text for explanations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from ._estimator import Estimator, check_fitted
from .errors import check_text
from .text.normalize import normalize
from .text.tokenize import Tokenizer

__all__ = ["CharNgramVectorizer", "TextFeatures", "WordNgramVectorizer", "word_ngrams"]

_BITS = 21  # every Unicode code point fits in 21 bits
_MAX_N = 3  # 3 x 21 = 63 bits: an int64


def word_ngrams(tokens: Sequence[str], n_max: int) -> list[str]:
    """Unigrams and, for ``n_max >= 2``, n-grams joined by a space."""
    out = list(tokens)
    for n in range(2, n_max + 1):
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


def _codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts as one code-point array separated by 0, and the document of each position."""
    joined = "\x00".join(texts) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(
        np.int64
    )
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    return codes, doc


def _packed(codes: np.ndarray, lo: int, hi: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """For n = lo..hi: ``(n, key, ok)`` where ``key[i]`` packs the n code points starting at i
    and ``ok[i]`` says the n-gram stays inside one text (crosses no 0 separator)."""
    total = len(codes)
    key = codes.copy()
    ok = codes != 0
    for n in range(1, hi + 1):
        if n > 1:  # extend every n-1-gram starting at i by the code at i + n - 1
            nxt = np.zeros(total, dtype=np.int64)
            nxt[: total - n + 1] = codes[n - 1 :]
            key = (key << _BITS) | nxt
            ok = ok & (nxt != 0)
        if n >= lo:
            yield n, key, ok


def _ngram_keys(
    codes: np.ndarray, doc: np.ndarray, lo: int, hi: int
) -> tuple[np.ndarray, np.ndarray]:
    """Packed keys of every n-gram (lo <= n <= hi) that does not cross a document boundary,
    position-major (so the document index comes out sorted)."""
    total = len(codes)
    keys = np.zeros((hi - lo + 1, total), dtype=np.int64)
    valid = np.zeros((hi - lo + 1, total), dtype=bool)
    for n, key, ok in _packed(codes, lo, hi):
        keys[n - lo] = key
        valid[n - lo] = ok
    flat_valid = valid.T.ravel()
    return keys.T.ravel()[flat_valid], np.repeat(doc, hi - lo + 1)[flat_valid]


def decode_key(key: int) -> str:
    """The text of a packed n-gram key."""
    chars = []
    key = int(key)
    while key:
        chars.append(chr(key & ((1 << _BITS) - 1)))
        key >>= _BITS
    return "".join(reversed(chars))


def _tfidf_rows(rows: np.ndarray, cols: np.ndarray, n_rows: int, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear-tf x idf, l2-normalized rows, from (row, col) occurrences sorted by row."""
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    x = sp.csr_matrix(
        (np.ones(len(cols), dtype=np.float64), cols, indptr), shape=(n_rows, len(idf))
    )
    x.sum_duplicates()
    x.data = (1.0 + np.log(x.data)) * idf[x.indices]
    counts = np.diff(x.indptr)
    # (np.add.reduceat would be wrong for empty rows)
    sq = np.bincount(np.repeat(np.arange(n_rows), counts), weights=x.data**2, minlength=n_rows)
    norms = np.where(counts > 0, np.sqrt(sq), 1.0)
    x.data /= np.repeat(norms, counts)
    return x


class CharNgramVectorizer(Estimator):
    """Character n-gram TF-IDF (n in ``ngram_range``, at most 3), vectorized with numpy.

    Parameters
    ----------
    ngram_range : (int, int)
        Smallest and largest n; ``1 <= lo <= hi <= 3``.
    min_df : int
        Keep n-grams found in at least this many documents.
    max_features : int, optional
        Keep only the most frequent n-grams (by document frequency, ties by key).

    Examples
    --------
    >>> v = CharNgramVectorizer(ngram_range=(2, 2)).fit(["กขค", "ขค"])
    >>> v.get_feature_names_out().tolist()
    ['กข', 'ขค']
    """

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 3),
        min_df: int = 1,
        max_features: int | None = None,
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features

    def fit(self, texts: Sequence[str], y: Any = None) -> CharNgramVectorizer:
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi <= _MAX_N:
            raise ValueError(f"ngram_range must satisfy 1 <= lo <= hi <= 3, got {self.ngram_range}")
        texts = list(texts)
        codes, doc = _codes(texts)
        keys, docs = _ngram_keys(codes, doc, lo, hi)
        # document frequency: each (doc, key) pair once
        uniq, inv = np.unique(keys, return_inverse=True)
        binary = sp.csr_matrix(
            (np.ones(len(inv), dtype=np.int8), (docs, inv)), shape=(len(texts), len(uniq))
        )
        binary.sum_duplicates()
        df = np.bincount(binary.indices, minlength=len(uniq))
        keep = df >= self.min_df
        uniq, df = uniq[keep], df[keep]
        if self.max_features is not None and len(uniq) > self.max_features:
            top = np.lexsort((uniq, -df))[: self.max_features]
            top.sort()
            uniq, df = uniq[top], df[top]
        self.vocabulary_keys_ = uniq
        self.idf_ = np.log((1 + len(texts)) / (1 + df)) + 1.0
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        check_fitted(self, "vocabulary_keys_")
        texts = list(texts)
        codes, doc = _codes(texts)
        keys, docs = _ngram_keys(codes, doc, *self.ngram_range)
        cols = self._lookup(keys)
        found = cols >= 0
        return _tfidf_rows(docs[found], cols[found], len(texts), self.idf_)

    def _lookup(self, keys: np.ndarray) -> np.ndarray:
        """Column of each key, -1 when not in the vocabulary."""
        vocab = self.vocabulary_keys_
        if len(keys) > 200_000:  # a hash index is ~3x faster on large batches (pandas loads lazily)
            index = self.__dict__.get("_index_cache")
            if index is None:
                import pandas as pd

                index = self.__dict__["_index_cache"] = pd.Index(vocab)
            return np.asarray(index.get_indexer(keys), dtype=np.int64)
        if not len(vocab):
            return np.full(len(keys), -1, dtype=np.int64)
        cols = np.searchsorted(vocab, keys)
        cols[cols == len(vocab)] = 0
        return np.where(vocab[cols] == keys, cols, -1)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_index_cache", None)
        return state

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_fitted(self, "vocabulary_keys_")
        return np.array([decode_key(k) for k in self.vocabulary_keys_], dtype=object)

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """Occurrences of vocabulary n-grams in ``text``: ``(column, start, end)``, by n, then
        by position."""
        check_fitted(self, "vocabulary_keys_")
        vocab = self.vocabulary_keys_
        if not text or not len(vocab):
            return []
        codes, _ = _codes([text])
        out: list[tuple[int, int, int]] = []
        for n, key, ok in _packed(codes, *self.ngram_range):
            j = np.minimum(np.searchsorted(vocab, key), len(vocab) - 1)
            hit = np.flatnonzero(ok & (vocab[j] == key))
            out.extend(zip(j[hit].tolist(), hit.tolist(), (hit + n).tolist()))
        return out


class WordNgramVectorizer(Estimator):
    """TF-IDF over pre-tokenized documents (lists of n-gram strings), same definition as
    sklearn's ``TfidfVectorizer(sublinear_tf=True)``.

    The vocabulary is kept as one newline-joined string (``terms_``) and looked up through a
    hash index built on first use: a saved model stays small and loads fast, where a
    ``TfidfVectorizer``'s vocabulary dict costs one JSON node per term in a skops file.

    Examples
    --------
    >>> v = WordNgramVectorizer().fit([["ขาย", "ออนไลน์"], ["ขาย"]])
    >>> v.get_feature_names_out().tolist()
    ['ขาย', 'ออนไลน์']
    """

    def __init__(self, min_df: int = 1) -> None:
        self.min_df = min_df

    @staticmethod
    def _flatten(docs: Sequence[Sequence[str]]) -> tuple[list[str], np.ndarray]:
        flat = [g for d in docs for g in d]
        lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        return flat, np.repeat(np.arange(len(docs), dtype=np.int64), lengths)

    def fit(self, docs: Sequence[Sequence[str]], y: Any = None) -> WordNgramVectorizer:
        docs = list(docs)
        flat, rows = self._flatten(docs)
        import pandas as pd  # fit only: keeps pandas off the prediction path

        codes, uniques = (
            pd.factorize(pd.Index(flat, dtype=object))
            if flat
            else (np.empty(0, np.int64), pd.Index([]))
        )
        binary = sp.csr_matrix(
            (np.ones(len(codes), dtype=np.int8), (rows, codes)), shape=(len(docs), len(uniques))
        )
        binary.sum_duplicates()
        df = np.bincount(binary.indices, minlength=len(uniques))
        keep = np.flatnonzero(df >= self.min_df)
        order = np.argsort(np.asarray(uniques[keep], dtype=object), kind="stable")
        terms = [str(t) for t in np.asarray(uniques, dtype=object)[keep][order]]
        if any("\n" in t for t in terms):
            raise ValueError("terms must not contain a newline")
        self.terms_ = "\n".join(terms)
        self.idf_ = np.log((1 + len(docs)) / (1 + df[keep][order])) + 1.0
        return self

    def _index(self) -> dict[str, int]:
        index = self.__dict__.get("_index_cache")
        if index is None:
            terms = self.terms_.split("\n") if self.terms_ else []
            index = self.__dict__["_index_cache"] = {t: i for i, t in enumerate(terms)}
        return index

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_index_cache", None)
        return state

    def lookup(self, terms: Sequence[str]) -> np.ndarray:
        """Column of each term, -1 for terms not in the vocabulary."""
        check_fitted(self, "terms_")
        get = self._index().get
        return np.fromiter((get(t, -1) for t in terms), dtype=np.int64, count=len(terms))

    def transform(self, docs: Sequence[Sequence[str]]) -> sp.csr_matrix:
        check_fitted(self, "terms_")
        docs = list(docs)
        flat, rows = self._flatten(docs)
        cols = self.lookup(flat)
        found = cols >= 0
        return _tfidf_rows(rows[found], cols[found], len(docs), self.idf_)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_fitted(self, "terms_")
        return np.array(self.terms_.split("\n") if self.terms_ else [], dtype=object)


class TextFeatures(Estimator):
    """Raw texts → ``[word TF-IDF | char TF-IDF]`` sparse features.

    Texts are normalized once; words come from ``tokenizer`` (default: the nlpo3 Tokenizer with
    the domain dictionary, keeping stopwords, since ไม่/ยัง/ขอ change what a statement asks for).

    Parameters
    ----------
    tokenizer : Tokenizer, optional
    word_ngram_max : int
        Longest word n-gram (1 = unigrams only).
    char_ngram_range : (int, int) or None
        Character n-grams; ``None`` turns them off.
    char_weight : float
        Scale of the character block relative to the word block.
    min_df : int
        Minimum document frequency for both blocks.
    codebook : Codebook, optional
        With ``seed_weight > 0``: one more feature per theme, ``log1p(number of the theme's
        seed terms found)`` times ``seed_weight`` — prior knowledge that reaches beyond the
        training corpus.
    seed_weight : float
        Scale of the seed block; 0 turns it off.
    """

    def __init__(
        self,
        tokenizer: Tokenizer | None = None,
        word_ngram_max: int = 2,
        char_ngram_range: tuple[int, int] | None = (1, 3),
        char_weight: float = 1.0,
        min_df: int = 1,
        codebook: Any = None,
        seed_weight: float = 0.0,
    ) -> None:
        self.tokenizer = tokenizer
        self.word_ngram_max = word_ngram_max
        self.char_ngram_range = char_ngram_range
        self.char_weight = char_weight
        self.min_df = min_df
        self.codebook = codebook
        self.seed_weight = seed_weight

    def _tokenizer(self) -> Tokenizer:
        if self.tokenizer is not None:
            return self.tokenizer
        return Tokenizer(stopwords=False, normalize=False)

    def prepare(self, texts: Iterable[str]) -> list[str]:
        """Normalize texts (checked to be ``str``)."""
        return [normalize(check_text(t, where=f"texts[{i}]")) for i, t in enumerate(texts)]

    def _words(self, norm: Sequence[str]) -> list[list[str]]:
        tok = self.tokenizer_
        n = self.word_ngram_max
        return [word_ngrams(tok(t), n) for t in norm]

    def fit(self, texts: Iterable[str], y: Any = None) -> TextFeatures:
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Any, /, y: Any = None, **fit_params: Any) -> sp.csr_matrix:
        norm = self.prepare(texts)
        self.tokenizer_ = self._tokenizer()
        self.word_vectorizer_ = WordNgramVectorizer(min_df=self.min_df)
        blocks = [self.word_vectorizer_.fit_transform(self._words(norm))]
        if self.char_ngram_range is not None:
            self.char_vectorizer_: CharNgramVectorizer | None = CharNgramVectorizer(
                self.char_ngram_range, min_df=self.min_df
            )
            blocks.append(self.char_vectorizer_.fit(norm).transform(norm) * self.char_weight)
        else:
            self.char_vectorizer_ = None
        self.n_word_features_ = blocks[0].shape[1]
        if self.seed_weight:
            blocks.append(self._seed_block(norm))
        return sp.hstack(blocks, format="csr")

    def _seed_block(self, norm: Sequence[str]) -> sp.csr_matrix:
        cb = self.codebook
        index = {t: j for j, t in enumerate(cb.ids)}
        rows, cols = [], []
        for i, t in enumerate(norm):
            for m in cb.find_seeds(t):
                rows.append(i)
                cols.append(index[m.theme])
        x = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(norm), len(index)))
        x.sum_duplicates()
        x.data = np.log1p(x.data) * self.seed_weight
        return x

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        check_fitted(self, "word_vectorizer_")
        return self.transform_normalized(self.prepare(texts))

    def transform_normalized(self, norm: Sequence[str]) -> sp.csr_matrix:
        """:meth:`transform` for texts already normalized (saves a pass in batch jobs)."""
        blocks = [self.word_vectorizer_.transform(self._words(norm))]
        if self.char_vectorizer_ is not None:
            blocks.append(self.char_vectorizer_.transform(norm) * self.char_weight)
        if self.seed_weight:
            blocks.append(self._seed_block(norm))
        return sp.hstack(blocks, format="csr")

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_fitted(self, "word_vectorizer_")
        names = [f"w:{t}" for t in self.word_vectorizer_.get_feature_names_out()]
        if self.char_vectorizer_ is not None:
            names += [f"c:{t}" for t in self.char_vectorizer_.get_feature_names_out()]
        return np.array(names, dtype=object)
