"""Paths to the data shipped inside the package, loaded lazily and cached.

Nothing here runs at import time; every loader is a small cached function.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = [
    "data_path",
    "domain_stopwords",
    "domain_words",
    "read_word_file",
    "thai_stopwords",
    "thai_words",
]


def data_path(name: str) -> Path:
    """Path of a file in ``thaisme_nlp/data``."""
    return Path(str(resources.files("thaisme_nlp") / "data" / name))


def read_word_file(path: str | Path) -> list[str]:
    """One word per line; blank lines and lines starting with ``#`` are skipped."""
    with open(path, encoding="utf-8-sig") as f:
        return [w for w in (line.strip() for line in f) if w and not w.startswith("#")]


@lru_cache(maxsize=1)
def domain_words() -> frozenset[str]:
    """The domain dictionary (data/domain_words.txt): SME, agency and platform vocabulary."""
    return frozenset(read_word_file(data_path("domain_words.txt")))


@lru_cache(maxsize=1)
def domain_stopwords() -> frozenset[str]:
    """Words frequent in consultations that carry no theme (data/domain_stopwords.txt)."""
    return frozenset(read_word_file(data_path("domain_stopwords.txt")))


@lru_cache(maxsize=1)
def thai_words() -> frozenset[str]:
    """PyThaiNLP's Thai word list (offline, shipped with pythainlp)."""
    from pythainlp.corpus import thai_words as _tw

    return frozenset(_tw())


@lru_cache(maxsize=1)
def thai_stopwords() -> frozenset[str]:
    """PyThaiNLP's Thai stopword list."""
    from pythainlp.corpus import thai_stopwords as _ts

    return frozenset(_ts())


def words_hash(words: frozenset[str] | set[str] | list[str]) -> str:
    """A content hash of a word list that does not depend on order."""
    h = hashlib.sha256()
    for w in sorted(set(words)):
        h.update(w.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()
