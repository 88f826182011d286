"""Word tokenization with a domain dictionary, as a picklable callable.

Engines (PyThaiNLP style, by name): ``"nlpo3"`` (default, Rust newmm, ~5x faster) and
``"newmm"`` (pure Python). Both use the same dictionary: PyThaiNLP's Thai word list + the
shipped domain dictionary + the user's words. Two traps shape the code (see
../shared/PYTHAINLP-NOTES.md): ``word_tokenize(engine="nlpo3", custom_dict=...)`` silently
ignores the dictionary, so nlpo3 gets it through ``nlpo3.load_dict`` from a file; and a
``Trie`` of only the extra words would *replace* the default dictionary, so the Trie is built
from the union.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UnknownEngineError, check_text
from ..resources import (
    domain_stopwords,
    domain_words,
    read_word_file,
    thai_stopwords,
    thai_words,
    words_hash,
)
from .normalize import normalize as _normalize
from .normalize import normalize_with_offsets

__all__ = ["DEFAULT_TOKENIZER_ENGINE", "TOKENIZER_ENGINES", "Token", "Tokenizer"]

DEFAULT_TOKENIZER_ENGINE = "nlpo3"
TOKENIZER_ENGINES = ("nlpo3", "newmm")
# newmm slows down superlinearly on one long string; cut long text into chunks this size.
MAX_CHUNK = 3000

_LOCK = threading.Lock()
_NLPO3_LOADED: set[str] = set()  # dictionary names loaded into nlpo3 in this process
_TRIES: dict[str, Any] = {}  # dictionary source key -> pythainlp Trie

_WS_BREAK = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]|[\u0e31-\u0e4e]")
_SYMBOL = re.compile(r"[\u2190-\u2bff\u2600-\u27bf\U0001f000-\U0001faff]")
_DIGIT = re.compile(r"\d")
# A lone surrogate (from broken UTF-16) cannot be encoded for nlpo3: it becomes U+FFFD, same length.
_SURROGATE = re.compile("[\ud800-\udfff]")
_BLANKS = frozenset(["", " ", "\n", "\t", "  "])


@dataclass(frozen=True, slots=True)
class Token:
    """A token and its span in the original text given to the tokenizer."""

    text: str
    start: int
    end: int


class Tokenizer:
    """Thai word tokenizer: ``str -> list[str]``, picklable, for TF-IDF and topic models.

    Parameters
    ----------
    engine : {"nlpo3", "newmm"}
        Word segmentation engine.
    extra_words : iterable of str, optional
        Words to keep whole, added to the dictionary.
    dict_file : str or Path, optional
        A file of extra words, one per line (``#`` comments allowed).
    domain_dict : bool
        Add the shipped domain dictionary (วิสาหกิจชุมชน, อีคอมเมิร์ซ, บสย., ...).
    stopwords : bool or iterable of str
        ``True``: PyThaiNLP's Thai stopwords plus the domain list; ``False``: keep all;
        an iterable: exactly those words.
    keep_punct, keep_numbers : bool
        Keep punctuation-only and number tokens. Whitespace tokens are always dropped.
    lowercase : bool
        Lower-case Latin letters (``Shopee`` and ``shopee`` become one feature).
    normalize : bool
        Run :func:`thaisme_nlp.normalize` first (fixes typing errors that break dictionary
        matches; Thai digits become Arabic).

    Examples
    --------
    >>> tok = Tokenizer()
    >>> tok("วิสาหกิจชุมชนอยากขายผ่านอีคอมเมิร์ซและตลาดออนไลน์")
    ['วิสาหกิจชุมชน', 'ขาย', 'อีคอมเมิร์ซ', 'ตลาดออนไลน์']
    >>> Tokenizer(stopwords=False)("อยากขายผ่านอีคอมเมิร์ซ")
    ['อยาก', 'ขาย', 'ผ่าน', 'อีคอมเมิร์ซ']
    """

    def __init__(
        self,
        engine: str = DEFAULT_TOKENIZER_ENGINE,
        *,
        extra_words: Iterable[str] = (),
        dict_file: str | Path | None = None,
        domain_dict: bool = True,
        stopwords: bool | Iterable[str] = True,
        keep_punct: bool = False,
        keep_numbers: bool = False,
        lowercase: bool = True,
        normalize: bool = True,
    ) -> None:
        if engine not in TOKENIZER_ENGINES:
            raise UnknownEngineError(
                f"unknown tokenizer engine {engine!r}; valid engines: {', '.join(TOKENIZER_ENGINES)}"
            )
        self.engine = engine
        self.extra_words = tuple(sorted({w.strip() for w in extra_words if w and w.strip()}))
        self.dict_file = str(dict_file) if dict_file is not None else None
        self.domain_dict = domain_dict
        self.stopwords = stopwords if isinstance(stopwords, bool) else tuple(sorted(set(stopwords)))
        self.keep_punct = keep_punct
        self.keep_numbers = keep_numbers
        self.lowercase = lowercase
        self.normalize = normalize
        self._state: tuple[str, frozenset[str]] | None = None  # (source key, stopwords)
        self._hash: str | None = None

    # -- configuration and state ---------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments: ``Tokenizer(**tok.get_config())`` is an equal tokenizer."""
        return {
            "engine": self.engine,
            "extra_words": list(self.extra_words),
            "dict_file": self.dict_file,
            "domain_dict": self.domain_dict,
            "stopwords": self.stopwords
            if isinstance(self.stopwords, bool)
            else list(self.stopwords),
            "keep_punct": self.keep_punct,
            "keep_numbers": self.keep_numbers,
            "lowercase": self.lowercase,
            "normalize": self.normalize,
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"Tokenizer({args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tokenizer) and self.get_config() == other.get_config()

    def __hash__(self) -> int:
        return hash(repr(self))

    def __getstate__(self) -> dict[str, Any]:
        # The loaded dictionary is process state: rebuild it lazily after unpickling.
        state = self.__dict__.copy()
        state["_state"] = None
        state["_hash"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._state = None
        self._hash = None

    def words(self) -> list[str]:
        """Every word of this tokenizer's dictionary (without whitespace-containing entries)."""
        words = set(thai_words())
        if self.domain_dict:
            words |= domain_words()
        words |= set(self.extra_words)
        if self.dict_file is not None:
            words |= set(read_word_file(self.dict_file))
        if self.lowercase:  # the text is lower-cased before segmentation, so must the words be
            words = {w.lower() for w in words}
        return sorted(w for w in words if w and not any(c.isspace() for c in w))

    @property
    def dictionary_hash(self) -> str:
        """SHA-256 of the dictionary's words (order-independent), recorded with models and tags."""
        if self._hash is None:
            self._hash = words_hash(self.words())
        return self._hash

    def _source_key(self) -> str:
        """A cheap key for the dictionary's sources (PyThaiNLP version, domain list, extra words,
        user file, case). Naming the cached nlpo3 dictionary file by it lets a new process load
        that file without reading and hashing PyThaiNLP's 62k words (~0.15 s of cold start)."""
        import hashlib
        import importlib.metadata as md

        parts = [
            md.version("pythainlp"),
            words_hash(domain_words()) if self.domain_dict else "-",
            words_hash(list(self.extra_words)),
            words_hash(read_word_file(self.dict_file)) if self.dict_file is not None else "-",
            str(self.lowercase),
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def _ensure(self) -> tuple[str, frozenset[str]]:
        if self._state is None:
            if self.stopwords is True:
                stop = thai_stopwords() | domain_stopwords()
            elif self.stopwords is False:
                stop = frozenset()
            else:
                stop = frozenset(self.stopwords)
            if self.lowercase:
                stop = frozenset(w.lower() for w in stop)
            # "" and whitespace tokens are dropped with the stopwords (one set test per token)
            self._state = (self._source_key(), stop | _BLANKS)
        return self._state

    def _segmenter(self) -> Any:
        key, _ = self._ensure()
        if self.engine == "nlpo3":
            import nlpo3

            name = f"thaisme-{key[:20]}"
            with _LOCK:
                if name not in _NLPO3_LOADED:
                    path = _write_dict_file(key, self.words)
                    msg, ok = nlpo3.load_dict(str(path), name)
                    if not ok and "already exists" not in msg:
                        raise RuntimeError(f"nlpo3 could not load the dictionary {path}: {msg}")
                    _NLPO3_LOADED.add(name)
            return functools.partial(nlpo3.segment, dict_name=name)
        from pythainlp.tokenize import word_tokenize
        from pythainlp.util import Trie

        with _LOCK:
            trie = _TRIES.get(key)
            if trie is None:
                trie = _TRIES[key] = Trie(self.words())
        return lambda text: word_tokenize(
            text, engine="newmm", custom_dict=trie, keep_whitespace=True
        )

    # -- tokenizing ----------------------------------------------------------------------
    def __call__(self, text: str) -> list[str]:
        """Tokens of ``text`` after normalization and filtering."""
        check_text(text)
        if self.normalize:
            text = _normalize(text)
        seg = self._segmenter()
        drop = self._ensure()[1]
        nums, punct = self.keep_numbers, self.keep_punct
        out: list[str] = []
        for _, chunk in _chunks(text):
            if self.lowercase:
                low = chunk.lower()
                # str.lower() can change the length of a few characters (İ); then go token by token
                toks = seg(low) if len(low) == len(chunk) else [t.lower() for t in seg(chunk)]
            else:
                toks = seg(chunk)
            # hot loop: a token starting with a Thai letter or a-z needs only the stopword test
            out.extend(
                t
                for t in toks
                if t not in drop
                and (
                    "\u0e01" <= t[0] <= "\u0e44"
                    or "a" <= t[0] <= "z"
                    or _keep(t, drop, nums, punct)
                )
            )
        return out

    def tokenize_with_spans(self, text: str) -> list[Token]:
        """Like calling the tokenizer, but each token keeps its span in the original ``text``.

        The token text is the normalized form (what features see); ``text[start:end]`` is what
        the user wrote.
        """
        check_text(text)
        if self.normalize:
            off = normalize_with_offsets(text)
            norm = off.text
        else:
            off, norm = None, text
        seg = self._segmenter()
        stop = self._ensure()[1]
        out: list[Token] = []
        for base, chunk in _chunks(norm):
            pos = base
            for raw in seg(chunk):
                s, pos = pos, pos + len(raw)
                form = raw.lower() if self.lowercase else raw
                if _keep(form, stop, self.keep_numbers, self.keep_punct):
                    span = off.to_original(s, pos) if off is not None else (s, pos)
                    out.append(Token(form, span[0], span[1]))
        return out


def _keep(tok: str, stop: frozenset[str], keep_numbers: bool, keep_punct: bool) -> bool:
    if not tok or tok.isspace():
        return False
    c = tok[0]
    # the common case first: a Thai or Latin word
    if "\u0e01" <= c <= "\u0e2e" or "a" <= c <= "z" or _LETTER.search(tok) or _SYMBOL.search(tok):
        return tok not in stop
    if _DIGIT.search(tok):
        return keep_numbers
    return keep_punct


def _chunks(text: str, size: int = MAX_CHUNK) -> Iterator[tuple[int, str]]:
    """Cut ``text`` into pieces of about ``size`` characters at whitespace, else at a safe
    character boundary; the pieces concatenate back to ``text`` exactly (lone surrogates
    replaced by U+FFFD, which keeps every offset)."""
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    n = len(text)
    if n <= size:
        if text:
            yield 0, text
        return
    start = 0
    while start < n:
        end = min(start + size, n)
        if end < n:
            ws = text.rfind(" ", start + size // 2, end)
            if ws < 0:
                ws = text.rfind("\n", start + size // 2, end)
            if ws >= 0:
                end = ws + 1
            else:
                # never split a base character from its marks, nor a leading vowel from its consonant
                while end > start + 1 and (
                    "\u0e31" <= text[end] <= "\u0e3a"
                    or "\u0e47" <= text[end] <= "\u0e4e"
                    or text[end] in "\u0e30\u0e32\u0e33\u0e45"
                    or "\u0e40" <= text[end - 1] <= "\u0e44"
                ):
                    end -= 1
        yield start, text[start:end]
        start = end


def _write_dict_file(key: str, words: Callable[[], list[str]]) -> Path:
    folder = Path(os.environ.get("THAISME_NLP_CACHE", Path(tempfile.gettempdir()) / "thaisme_nlp"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"dict-{key[:20]}.txt"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(words()))
            f.write("\n")
        os.replace(tmp, path)
    return path
