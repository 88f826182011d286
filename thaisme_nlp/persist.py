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

__all__ = [
    "DEFAULT_MODEL_FILE",
    "TRUSTED_TYPES",
    "load_bundle",
    "load_model",
    "model_metadata",
    "save_bundle",
    "save_model",
]

DEFAULT_MODEL_FILE = "thaisme-default.skops"
DEFAULT_BUNDLE_FILE = "thaisme-default.npz"

# The library's own types a ThemeClassifier file holds; skops trusts the numpy, scipy and
# builtin types by default. Listed by hand: never extend this from what get_untrusted_types()
# reports for a file.
TRUSTED_TYPES = [
    "thaisme_nlp.classify.ThemeClassifier",
    "thaisme_nlp.codebook.Codebook",
    "thaisme_nlp.codebook.Theme",
    "thaisme_nlp.features.TextFeatures",
    "thaisme_nlp.features.CharNgramVectorizer",
    "thaisme_nlp.features.WordNgramVectorizer",
    "thaisme_nlp.text.tokenize.Tokenizer",
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


def model_metadata(
    model: ThemeClassifier, *, corpus_hash: str = "", extra: dict[str, Any] | None = None
) -> dict[str, Any]:
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
        "params": {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in model.get_params(deep=False).items()
            if k not in ("codebook", "tokenizer")
        },
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
    h.update(feats.word_vectorizer_.terms_.encode("utf-8"))
    if feats.char_vectorizer_ is not None:
        h.update(feats.char_vectorizer_.vocabulary_keys_.tobytes())
    h.update(np.asarray(model.coef_, dtype=np.float32).tobytes())
    h.update(np.round(np.asarray(model.intercept_, dtype=np.float64), 6).tobytes())
    return h.hexdigest()


def save_model(
    model: ThemeClassifier,
    path: str | Path,
    *,
    corpus_hash: str = "",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
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
    """Load a model saved by :func:`save_model` (default: the shipped default model, from its
    runtime bundle when present).

    Raises
    ------
    ModelFileError
        missing, truncated or tampered file, or not a thaisme model.
    UntrustedModelError
        the file holds types outside :data:`TRUSTED_TYPES` (it could run code).
    """
    if path is None and data_path(DEFAULT_BUNDLE_FILE).is_file():
        return load_bundle(data_path(DEFAULT_BUNDLE_FILE))
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
        raise ModelFileError(
            f"{p} is not a readable skops model file ({type(e).__name__}: {e})"
        ) from None
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
        raise ModelFileError(
            f"{p} is not a {MODEL_NAME} artefact (metadata missing or of another kind)"
        )
    return model


# -- the runtime bundle ----------------------------------------------------------------------
# The default model also ships as a plain ``.npz`` (numpy arrays and one JSON string, loaded
# with ``allow_pickle=False``: nothing in it can run code). Loading it needs neither skops nor
# scikit-learn, whose imports alone take ~1 s here: that is what keeps a cold start of
# ``classify_feedback`` under a second. It is written by the same ``thaisme-nlp train`` run as
# the skops file and must carry the same model id; :func:`load_model` checks the fingerprint.


def _bundle_classes() -> dict[str, type]:
    from .features import CharNgramVectorizer, TextFeatures, WordNgramVectorizer

    return {
        "ThemeClassifier": ThemeClassifier,
        "TextFeatures": TextFeatures,
        "CharNgramVectorizer": CharNgramVectorizer,
        "WordNgramVectorizer": WordNgramVectorizer,
    }


def _to_tree(obj: Any, arrays: dict[str, Any]) -> Any:
    import numpy as np

    from .codebook import Codebook
    from .text.tokenize import Tokenizer

    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            obj = obj.astype(str)
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"__array__": key}
    if isinstance(obj, tuple):
        return {"__tuple__": [_to_tree(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_to_tree(v, arrays) for v in obj]
    if isinstance(obj, dict):
        return {"__dict__": [[k, _to_tree(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, Tokenizer):
        return {"__tokenizer__": obj.get_config()}
    if isinstance(obj, Codebook):
        return {"__codebook__": obj.to_dict()}
    name = type(obj).__name__
    if name in _bundle_classes() and type(obj) is _bundle_classes()[name]:
        state: Any = obj.__getstate__() if hasattr(obj, "__getstate__") else obj.__dict__
        state = {k: v for k, v in dict(state).items() if not k.startswith("_")}
        return {"__class__": name, "state": _to_tree(state, arrays)}
    raise TypeError(f"cannot put a {type(obj).__name__} into a model bundle")


def _from_tree(node: Any, arrays: Any) -> Any:
    from .codebook import Codebook
    from .text.tokenize import Tokenizer

    if isinstance(node, list):
        return [_from_tree(v, arrays) for v in node]
    if not isinstance(node, dict):
        return node
    if "__array__" in node:
        return arrays[node["__array__"]]
    if "__tuple__" in node:
        return tuple(_from_tree(v, arrays) for v in node["__tuple__"])
    if "__dict__" in node:
        return {k: _from_tree(v, arrays) for k, v in node["__dict__"]}
    if "__tokenizer__" in node:
        return Tokenizer(**node["__tokenizer__"])
    if "__codebook__" in node:
        return Codebook.from_dict(node["__codebook__"])
    if "__class__" in node:
        cls: Any = _bundle_classes().get(node["__class__"])
        if cls is None:
            raise ModelFileError(f"unknown class {node['__class__']!r} in model bundle")
        obj = cls.__new__(cls)
        obj.__dict__.update(_from_tree(node["state"], arrays))
        return obj
    raise ModelFileError(f"unreadable node in model bundle: {sorted(node)[:3]}")


def save_bundle(model: ThemeClassifier, path: str | Path) -> None:
    """Write the runtime bundle of a saved model (it must have ``metadata_``)."""
    import numpy as np

    arrays: dict[str, Any] = {}
    tree = _to_tree(model, arrays)
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, __tree__=np.array(json.dumps(tree, ensure_ascii=False)), **arrays)
    tmp.replace(path)


def load_bundle(path: str | Path) -> ThemeClassifier:
    """Load a runtime bundle written by :func:`save_bundle` and check its fingerprint."""
    import numpy as np

    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        model = _from_tree(json.loads(str(arrays.pop("__tree__"))), arrays)
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as e:
        raise ModelFileError(
            f"{path} is not a readable model bundle ({type(e).__name__}: {e})"
        ) from None
    if not isinstance(model, ThemeClassifier):
        raise ModelFileError(f"{path} does not hold a ThemeClassifier")
    meta = getattr(model, "metadata_", {})
    expected = str(meta.get("model_id", "")).rpartition("@")[2]
    if not expected or model_fingerprint(model)[:12] != expected:
        raise ModelFileError(f"{path}: contents do not match the model id {meta.get('model_id')!r}")
    return model
