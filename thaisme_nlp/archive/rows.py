"""Documents → rows: the pure function every runner (in-process, process pool, Dask) calls.

:func:`tag_documents` segments each document into statements, classifies all statements of a
batch together, and returns one row per statement and one row per document, each carrying the
provenance of the model that made it. Same documents and model → same rows, whichever runner
called it, which is what makes a Dask run equal a local one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..text.segment import iter_statements
from .readers import Document, ReadFailure, text_hash

if TYPE_CHECKING:
    from ..classify import ThemeClassifier

__all__ = [
    "PROVENANCE",
    "Rows",
    "arrow_columns",
    "column_kind",
    "encode",
    "error_rows",
    "provenance",
    "tag_batch",
    "tag_documents",
]

#: Provenance columns on every row.
PROVENANCE = (
    "model_id",
    "codebook_version",
    "tokenizer_engine",
    "dictionary_hash",
    "library_version",
)

Rows = dict[str, list[Any]]


def provenance(model: ThemeClassifier) -> dict[str, str]:
    """What made a row: model id, codebook version, tokenizer engine and dictionary hash, and
    the version of this library."""
    tok = model.features_.tokenizer_
    cb = model.codebook_
    model_id = model.model_id
    if model_id == "unsaved":  # a model fitted in this session: name it by what it computes
        from ..persist import model_fingerprint

        model_id = f"unsaved@{model_fingerprint(model)[:12]}"
    return {
        "model_id": model_id,
        "codebook_version": cb.version if cb is not None else "",
        "tokenizer_engine": tok.engine,
        "dictionary_hash": tok.dictionary_hash,
        "library_version": __version__,
    }


def _columns(names: Sequence[str]) -> Rows:
    return {n: [] for n in names}


def statement_columns(classes: Sequence[str]) -> list[str]:
    return [
        "doc_id",
        "path",
        "part",
        "statement_index",
        "start",
        "end",
        "text",
        "themes",
        "top_theme",
        *(f"score_{c}" for c in classes),
        "evidence",
        "statement_hash",
        "doc_hash",
        *PROVENANCE,
    ]


def document_columns(classes: Sequence[str]) -> list[str]:
    return [
        "doc_id",
        "path",
        "part",
        "format",
        "encoding",
        "n_chars",
        "n_statements",
        "n_with_theme",
        "themes",
        "top_theme",
        *(f"count_{c}" for c in classes),
        *(f"share_{c}" for c in classes),
        "flags",
        "meta",
        "doc_hash",
        *PROVENANCE,
    ]


ERROR_COLUMNS = ["doc_id", "path", "error", "message", *PROVENANCE]


def tag_documents(
    docs: Sequence[Document],
    model: ThemeClassifier,
    *,
    evidence: bool = True,
    top_k: int = 3,
) -> tuple[Rows, Rows]:
    """Tag a batch of documents; return ``(statement_rows, document_rows)`` as columns.

    Statement ``start``/``end`` index the decoded file (``doc.offset`` added for parts of a
    large file); ``themes`` lists theme ids, highest score first; ``evidence`` is a JSON string
    ``{theme: [{start, end, text, terms, weight}]}`` with spans in the same coordinates.
    The themes, scores and evidence are those :func:`~thaisme_nlp.classify_feedback` gives each
    statement (a test checks it); identical statements of a batch are scored once.
    """
    import numpy as np

    from ..classify import _evidence_for
    from ..text.segment import Statement

    classes = [str(c) for c in model.classes_]
    k = len(classes)
    prov = provenance(model)
    max_chars = int(model.max_statement_chars)
    owners: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    texts: list[str] = []
    for i, d in enumerate(docs):
        for st in iter_statements(d.text, max_chars=max_chars):
            owners.append(i)
            starts.append(d.offset + st.start)
            ends.append(d.offset + st.end)
            texts.append(st.text)
    unique: dict[str, int] = {}
    inverse = np.fromiter(
        (unique.setdefault(t, len(unique)) for t in texts), dtype=np.int64, count=len(texts)
    )
    if texts:
        proba_u = model._statement_proba(list(unique))
    else:
        proba_u = np.zeros((0, k))
    pred_u = model.decide(proba_u).astype(bool)
    proba, pred = proba_u[inverse], pred_u[inverse]
    n = len(texts)

    themes: list[list[str]] = [[] for _ in range(n)]
    top = [""] * n
    ev_col = [""] * n
    ev_cache: dict[int, dict[str, list[Any]]] = {}
    for r in np.flatnonzero(pred.any(axis=1)).tolist():
        order = [j for j in np.argsort(-proba[r], kind="stable").tolist() if pred[r, j]]
        themes[r] = [classes[j] for j in order]
        top[r] = themes[r][0]
        if evidence:
            u = int(inverse[r])
            ev = ev_cache.get(u)
            if ev is None:
                text = texts[r]
                unit = [Statement(0, len(text), text)]
                ev = {}
                shared: dict[Any, Any] = {}
                for j in order:
                    spans = _evidence_for(model, text, unit, proba_u[u : u + 1], j, top_k, shared)
                    if spans:
                        ev[classes[j]] = [
                            (x.start, x.end, x.text, list(x.terms), round(x.weight, 6))
                            for x in spans
                        ]
                ev_cache[u] = ev
            if ev:
                base = starts[r]
                ev_col[r] = json.dumps(
                    {
                        t: [
                            {
                                "start": base + a,
                                "end": base + b,
                                "text": x,
                                "terms": terms,
                                "weight": w,
                            }
                            for a, b, x, terms, w in spans
                        ]
                        for t, spans in ev.items()
                    },
                    ensure_ascii=False,
                )

    owner = np.asarray(owners, dtype=np.int64)
    doc_hash = [d.content_hash for d in docs]
    index = np.zeros(n, dtype=np.int64)
    if n:  # position of each statement within its document (owners are grouped, in order)
        first = np.r_[0, np.flatnonzero(np.diff(owner)) + 1]
        index = np.arange(n) - np.repeat(first, np.diff(np.r_[first, n]))
    srows: Rows = {
        "doc_id": [docs[o].doc_id for o in owners],
        "path": [docs[o].path for o in owners],
        "part": [docs[o].part for o in owners],
        "statement_index": index.tolist(),
        "start": starts,
        "end": ends,
        "text": texts,
        "themes": themes,
        "top_theme": top,
    }
    for j, c in enumerate(classes):
        srows[f"score_{c}"] = np.round(proba[:, j], 6).tolist()
    srows["evidence"] = ev_col
    hashes = [text_hash(t) for t in unique]
    srows["statement_hash"] = [hashes[u] for u in inverse.tolist()]
    srows["doc_hash"] = [doc_hash[o] for o in owners]
    for key, v in prov.items():
        srows[key] = [v] * n

    counts = np.zeros((len(docs), k), dtype=np.int64)
    np.add.at(counts, owner, pred.astype(np.int64))
    n_st = np.bincount(owner, minlength=len(docs))
    n_themed = np.bincount(owner, weights=pred.any(axis=1), minlength=len(docs)).astype(int)
    drows = _columns(document_columns(classes))
    for i, d in enumerate(docs):
        ci = counts[i].tolist()
        order = sorted(range(k), key=lambda j: (-ci[j], j))
        nst = int(n_st[i])
        drows["doc_id"].append(d.doc_id)
        drows["path"].append(d.path)
        drows["part"].append(d.part)
        drows["format"].append(d.format)
        drows["encoding"].append(d.encoding)
        drows["n_chars"].append(len(d.text))
        drows["n_statements"].append(nst)
        drows["n_with_theme"].append(int(n_themed[i]))
        drows["themes"].append([classes[j] for j in order if ci[j]])
        drows["top_theme"].append(classes[order[0]] if ci[order[0]] else "")
        for j, c in enumerate(classes):
            drows[f"count_{c}"].append(ci[j])
        for j, c in enumerate(classes):
            drows[f"share_{c}"].append(round(ci[j] / nst, 6) if nst else 0.0)
        drows["flags"].append(";".join(d.flags))
        drows["meta"].append(json.dumps(d.meta, ensure_ascii=False, default=str) if d.meta else "")
        drows["doc_hash"].append(doc_hash[i])
        for key, v in prov.items():
            drows[key].append(v)
    return srows, drows


_INT_COLUMNS = ("part", "statement_index", "start", "end", "n_chars", "n_statements")


def column_kind(name: str) -> str:
    """The type of a result column: ``"list"`` (themes), ``"float"`` (scores, shares),
    ``"int"`` (offsets, counts) or ``"str"``. One rule for writing and reading back."""
    if name == "themes":
        return "list"
    if name.startswith(("score_", "share_")):
        return "float"
    if name in _INT_COLUMNS or name.startswith("count_") or name == "n_with_theme":
        return "int"
    return "str"


def arrow_columns(rows: Rows) -> dict[str, Any]:
    """Typed Arrow columns of rows (see :func:`column_kind`)."""
    import pyarrow as pa

    types = {
        "list": pa.list_(pa.string()),
        "float": pa.float64(),
        "int": pa.int64(),
        "str": pa.string(),
    }
    return {k: pa.array(v, type=types[column_kind(k)]) for k, v in rows.items()}


def encode(rows: Rows) -> bytes:
    """Rows as the bytes of a Parquet file (zstd); ``b""`` when there are none."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not rows or not len(next(iter(rows.values()))):
        return b""
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(arrow_columns(rows)), sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())


def tag_batch(
    docs: Sequence[Document], model: ThemeClassifier, *, evidence: bool = True, top_k: int = 3
) -> dict[str, Any]:
    """:func:`tag_documents`, encoded as Parquet where it ran (a worker), so only compressed
    bytes travel back to the process that commits them.

    If tagging the batch fails, each document is tagged alone; ``"failed"`` lists the
    :class:`ReadFailure` of those that still fail, so the job records them as error rows and
    does not mark them done (the next run retries them) instead of ending.
    """
    try:
        parts = [tag_documents(docs, model, evidence=evidence, top_k=top_k)]
        failures: list[ReadFailure] = []
    except Exception:
        if not docs:
            raise
        parts, failures = [], []
        for d in docs:
            try:
                parts.append(tag_documents([d], model, evidence=evidence, top_k=top_k))
            except Exception as e:
                failures.append(
                    ReadFailure(d.doc_id, d.path, type(e).__name__, f"tagging failed: {e}")
                )
    return {
        "statements": encode(_concat([p[0] for p in parts])),
        "documents": encode(_concat([p[1] for p in parts])),
        "failed": failures,
    }


def _concat(parts: list[Rows]) -> Rows:
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return {}
    return {k: [v for p in parts for v in p[k]] for k in parts[0]}


def error_rows(failures: Sequence[ReadFailure], prov: dict[str, str]) -> Rows:
    rows = _columns(ERROR_COLUMNS)
    for f in failures:
        rows["doc_id"].append(f.doc_id)
        rows["path"].append(f.path)
        rows["error"].append(f.error)
        rows["message"].append(f.message)
        for k, v in prov.items():
            rows[k].append(v)
    return rows
