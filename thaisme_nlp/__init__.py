"""thaisme_nlp: sort Thai stakeholder feedback of SMEs and community enterprises into policy themes.

The public names are imported lazily, so ``import thaisme_nlp`` stays cheap (no scikit-learn or
PyThaiNLP until they are needed).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

_EXPORTS = {
    "normalize": "thaisme_nlp.text.normalize",
    "normalize_with_offsets": "thaisme_nlp.text.normalize",
    "NormalizeConfig": "thaisme_nlp.text.normalize",
    "segment": "thaisme_nlp.text.segment",
    "Statement": "thaisme_nlp.text.segment",
    "Tokenizer": "thaisme_nlp.text.tokenize",
    "extract_keywords": "thaisme_nlp.keywords",
    "Codebook": "thaisme_nlp.codebook",
    "Theme": "thaisme_nlp.codebook",
    "ThemeClassifier": "thaisme_nlp.classify",
    "classify_feedback": "thaisme_nlp.classify",
    "load_model": "thaisme_nlp.persist",
    "TopicModel": "thaisme_nlp.topics",
}

__all__ = ["__version__", *sorted(_EXPORTS)]

if TYPE_CHECKING:
    from .classify import ThemeClassifier, classify_feedback
    from .codebook import Codebook, Theme
    from .keywords import extract_keywords
    from .persist import load_model
    from .text.normalize import NormalizeConfig, normalize, normalize_with_offsets
    from .text.segment import Statement, segment
    from .text.tokenize import Tokenizer
    from .topics import TopicModel


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'thaisme_nlp' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
