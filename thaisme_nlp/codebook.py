"""The policy themes as data: a versioned JSON codebook with a content hash.

File format (``thaisme_nlp/data/codebook.json``; docs/codebook.md describes it)::

    {"name": ..., "version": ..., "language": "th", "description": ...,
     "themes": [{"id", "label_th", "label_en", "description", "description_en",
                 "include": [...], "exclude": [...], "seeds": [...]}, ...]}

Theme ids are stable identifiers: lower-case ASCII, digits and ``_``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import CodebookError
from .resources import data_path

__all__ = ["Codebook", "SeedMatch", "Theme"]

_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Theme:
    """One policy theme of a codebook."""

    id: str
    label_th: str
    label_en: str
    description: str = ""
    description_en: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("include", "exclude", "seeds"):
            d[k] = list(d[k])
        return d


@dataclass(frozen=True)
class SeedMatch:
    """A seed term found in a text: ``text[start:end]`` is what matched."""

    theme: str
    term: str
    start: int
    end: int


@dataclass(frozen=True)
class Codebook:
    """An ordered set of themes with a name, a version and a content hash.

    Examples
    --------
    >>> cb = Codebook.default()
    >>> cb.ids[:3]
    ('financing', 'logistics', 'online_marketing')
    >>> cb["financing"].label_en
    'Access to finance and credit'
    """

    name: str
    version: str
    themes: tuple[Theme, ...]
    description: str = ""
    language: str = "th"
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.validate()
        self._index.update({t.id: i for i, t in enumerate(self.themes)})

    # -- construction ----------------------------------------------------------------
    @classmethod
    def default(cls) -> Codebook:
        """The shipped default codebook (12 themes; see docs/codebook.md)."""
        return _default_codebook()

    @classmethod
    def load(cls, path: str | Path) -> Codebook:
        """Load a codebook JSON file (same format as the default one)."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise CodebookError(f"codebook file not found: {path}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CodebookError(f"codebook {path} is not valid UTF-8 JSON: {e}") from None
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "<dict>") -> Codebook:
        if not isinstance(data, dict) or not isinstance(data.get("themes"), list):
            raise CodebookError(f"{source}: a codebook is an object with a 'themes' list")
        themes = []
        for i, t in enumerate(data["themes"]):
            if not isinstance(t, dict):
                raise CodebookError(f"{source}: theme #{i} is not an object")
            missing = [k for k in ("id", "label_th", "label_en") if not t.get(k)]
            if missing:
                raise CodebookError(f"{source}: theme #{i} lacks {', '.join(missing)}")
            try:
                themes.append(
                    Theme(
                        id=str(t["id"]),
                        label_th=str(t["label_th"]),
                        label_en=str(t["label_en"]),
                        description=str(t.get("description", "")),
                        description_en=str(t.get("description_en", "")),
                        include=tuple(map(str, t.get("include", ()))),
                        exclude=tuple(map(str, t.get("exclude", ()))),
                        seeds=tuple(map(str, t.get("seeds", ()))),
                    )
                )
            except TypeError as e:
                raise CodebookError(f"{source}: theme #{i}: {e}") from None
        return cls(
            name=str(data.get("name", "custom")),
            version=str(data.get("version", "0")),
            themes=tuple(themes),
            description=str(data.get("description", "")),
            language=str(data.get("language", "th")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "language": self.language,
            "description": self.description,
            "themes": [t.to_dict() for t in self.themes],
        }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(
            json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )

    # -- checks and identity -------------------------------------------------------------
    def validate(self) -> None:
        """Raise :class:`CodebookError` unless ids are unique and well formed and every theme
        has labels and at least one seed term."""
        if not self.themes:
            raise CodebookError(f"codebook {self.name!r} has no themes")
        seen: set[str] = set()
        for t in self.themes:
            if not _ID.match(t.id):
                raise CodebookError(
                    f"theme id {t.id!r} must be lower-case ASCII letters, digits and '_'"
                )
            if t.id in seen:
                raise CodebookError(f"theme id {t.id!r} appears twice")
            seen.add(t.id)
            if not t.label_th.strip() or not t.label_en.strip():
                raise CodebookError(f"theme {t.id!r} has an empty label")
            if not [s for s in t.seeds if s.strip()]:
                raise CodebookError(f"theme {t.id!r} has no seed terms")

    @property
    def hash(self) -> str:
        """SHA-256 of the canonical JSON form: changes whenever any field changes."""
        canon = json.dumps(
            self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        return hashlib.sha256(canon.encode("utf-8")).hexdigest()

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)

    def __getitem__(self, theme_id: str) -> Theme:
        try:
            return self.themes[self._index[theme_id]]
        except KeyError:
            raise KeyError(
                f"no theme {theme_id!r} in codebook {self.name!r}; ids: {self.ids}"
            ) from None

    def __contains__(self, theme_id: object) -> bool:
        return theme_id in self._index

    def __iter__(self) -> Iterator[Theme]:
        return iter(self.themes)

    def __len__(self) -> int:
        return len(self.themes)

    # -- seed-term matching ------------------------------------------------------------------
    def find_seeds(self, text: str) -> list[SeedMatch]:
        """Every seed term found in ``text`` (case-insensitive for Latin; substring match, as
        Thai has no spaces between words). Longest match wins where seeds overlap."""
        pattern, owner = _seed_pattern(self)
        return [
            SeedMatch(owner[m.group().lower()], m.group(), m.start(), m.end())
            for m in pattern.finditer(text)
        ]

    def seed_themes(self, text: str) -> set[str]:
        """The themes whose seed terms occur in ``text``."""
        return {m.theme for m in self.find_seeds(text)}


def _seed_regex(seed: str) -> str:
    if seed.isascii():  # a Latin seed (GMP, IoT) must not match inside a longer Latin word
        return rf"(?<![a-zA-Z0-9]){re.escape(seed)}(?![a-zA-Z0-9])"
    if seed.endswith(".") and len(seed) <= 6:
        # a Thai acronym (อย., สมอ.) must not be the end of a word (อร่อย., เสมอ.)
        return rf"(?<![\u0e01-\u0e4e]){re.escape(seed)}"
    return re.escape(seed)


@lru_cache(maxsize=32)
def _seed_pattern(cb: Codebook) -> tuple[re.Pattern[str], dict[str, str]]:
    owner: dict[str, str] = {}
    for t in cb.themes:
        for s in t.seeds:
            s = s.strip().lower()
            if s:
                owner.setdefault(s, t.id)
    alts = sorted(owner, key=len, reverse=True)
    # A Latin seed (GMP, IoT) must not match inside a longer Latin word.
    parts = [_seed_regex(s) for s in alts]
    return re.compile("|".join(parts), re.IGNORECASE), owner


@lru_cache(maxsize=1)
def _default_codebook() -> Codebook:
    return Codebook.load(data_path("codebook.json"))
