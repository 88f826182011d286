"""Saving and loading models with skops (never pickle), with metadata.

A model file is a skops archive of a fitted :class:`~thaisme_nlp.classify.ThemeClassifier`
whose ``metadata_`` holds the artefact name ``thaisme.ThemeClassifier.v1``, the codebook name,
version and hash, the tokenizer engine and dictionary hash, library versions, the training
corpus hash and CV metrics. :func:`load_model` refuses a file that contains any type outside
:data:`TRUSTED_TYPES`, and turns a truncated or tampered file into a clear
:class:`~thaisme_nlp.errors.ModelFileError`.
"""

from __future__ import annotations

import hashlib
import json
import platform
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._version import __version__
from .classify import MODEL_NAME, ThemeClassifier
from .errors import ModelFileError, UntrustedModelError
from .resources import data_path

__all__ = ["DEFAULT_MODEL_FILE", "TRUSTED_TYPES", "load_model", "model_metadata", "save_model"]

DEFAULT_MODEL_FILE = "thaisme-default.skops"

# Every type a ThemeClassifier file may hold beyond what skops trusts by default. Listed by
# hand: never extend this from what get_untrusted_types() reports for a file.
TRUSTED_TYPES = [
    "thaisme_nlp.classify.ThemeClassifier",
    "thaisme_nlp.codebook.Codebook",
    "thaisme_nlp.codebook.Theme",
    "thaisme_nlp.features.TextFeatures",
    "thaisme_nlp.features.CharNgramVectorizer",
    "thaisme_nlp.features.identity",
    "thaisme_nlp.text.tokenize.Tokenizer",
    "builtins.frozenset",
    "numpy.int8",
    "numpy.float64",
    "numpy.int64",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.core.multiarray._reconstruct",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "builtins.tuple",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.list",
    "builtins.dict",
    "builtins.NoneType",
]


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version(), "thaisme_nlp": __version__}
    for pkg in ("pythainlp", "nlpo3", "scikit-learn", "numpy", "scipy", "skops"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:  # pragma: no cover - all are dependencies
            out[pkg] = "absent"
    return out


def model_metadata(model: ThemeClassifier, *, corpus_hash: str = "", extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Metadata of a fitted model, as stored in its file."""
    tok = model.features_.tokenizer_
    cb = model.codebook_
    meta: dict[str, Any] = {
        "name": MODEL_NAME,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "classes": [str(c) for c in model.classes_],
        "thresholds": {str(c): float(t) for c, t in zip(model.classes_, model.thresholds_)},
        "codebook": (
            {"name": cb.name, "version": cb.version, "hash": cb.hash} if cb is not None else None
        ),
        "tokenizer": {"engine": tok.engine, "dictionary_hash": tok.dictionary_hash},
        "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in model.get_params(deep=False).items()
                   if k not in ("codebook", "tokenizer")},
        "versions": _versions(),
        "corpus_hash": corpus_hash,
        "cv_metrics": getattr(model, "cv_metrics_", {}),
    }
    if extra:
        meta.update(extra)
    return meta


def model_fingerprint(model: ThemeClassifier) -> str:
    """SHA-256 of what decides predictions: parameters, classes, thresholds, vocabularies and
    coefficients (not timestamps), so retraining on the same corpus gives the same id."""
    import numpy as np

    h = hashlib.sha256()
    params = model_metadata(model)["params"]
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    h.update(json.dumps([str(c) for c in model.classes_]).encode())
    h.update(np.asarray(model.thresholds_, dtype=np.float64).tobytes())
    feats = model.features_
    h.update(json.dumps(sorted(feats.word_vectorizer_.vocabulary_.items()), ensure_ascii=False).encode())
    if feats.char_vectorizer_ is not None:
        h.update(feats.char_vectorizer_.vocabulary_keys_.tobytes())
    h.update(np.asarray(model.coef_, dtype=np.float32).tobytes())
    h.update(np.round(np.asarray(model.intercept_, dtype=np.float64), 6).tobytes())
    return h.hexdigest()


def save_model(model: ThemeClassifier, path: str | Path, *, corpus_hash: str = "",
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Save a fitted model with skops; returns the metadata written.

    The model id is ``<name>@<first 12 hex of model_fingerprint()>``, so the same corpus and
    settings give the same id.
    """
    import skops.io as sio

    meta = model_metadata(model, corpus_hash=corpus_hash, extra=extra)
    meta["model_id"] = f"{MODEL_NAME}@{model_fingerprint(model)[:12]}"
    model.metadata_ = meta
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    sio.dump(model, tmp)
    tmp.replace(path)
    return meta


def load_model(path: str | Path | None = None) -> ThemeClassifier:
    """Load a model saved by :func:`save_model` (default: the shipped default model).

    Raises
    ------
    ModelFileError
        missing, truncated or tampered file, or not a thaisme model.
    UntrustedModelError
        the file holds types outside :data:`TRUSTED_TYPES` (it could run code).
    """
    import skops.io as sio

    p = data_path(DEFAULT_MODEL_FILE) if path is None else Path(path)
    if not p.is_file():
        raise ModelFileError(
            f"model file not found: {p}"
            + (" (the default model is built by `thaisme-nlp train`)" if path is None else "")
        )
    try:
        untrusted = sio.get_untrusted_types(file=p)
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, ValueError, EOFError, OSError) as e:
        raise ModelFileError(f"{p} is not a readable skops model file ({type(e).__name__}: {e})") from None
    bad = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if bad:
        raise UntrustedModelError(
            f"{p} contains types that thaisme_nlp does not trust and will not load: {', '.join(bad)}"
        )
    try:
        model = sio.load(p, trusted=TRUSTED_TYPES)
    except Exception as e:  # skops raises many kinds on a damaged archive
        raise ModelFileError(f"{p} could not be loaded ({type(e).__name__}: {e})") from None
    if not isinstance(model, ThemeClassifier):
        raise ModelFileError(f"{p} holds a {type(model).__name__}, not a ThemeClassifier")
    meta = getattr(model, "metadata_", None)
    if not isinstance(meta, dict) or meta.get("name") != MODEL_NAME:
        raise ModelFileError(f"{p} is not a {MODEL_NAME} artefact (metadata missing or of another kind)")
    return model
