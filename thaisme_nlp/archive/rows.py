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

__all__ = ["PROVENANCE", "Rows", "error_rows", "provenance", "tag_documents"]

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
    return {
        "model_id": model.model_id,
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
    """
    from ..classify import _classify_many

    classes = [str(c) for c in model.classes_]
    prov = provenance(model)
    max_chars = int(model.max_statement_chars)
    owners: list[int] = []
    spans: list[tuple[int, int]] = []
    texts: list[str] = []
    for i, d in enumerate(docs):
        for st in iter_statements(d.text, max_chars=max_chars):
            owners.append(i)
            spans.append((st.start, st.end))
            texts.append(st.text)
    results = _classify_many(model, texts, None, evidence, top_k)

    srows = _columns(statement_columns(classes))
    drows = _columns(document_columns(classes))
    counts = [[0] * len(classes) for _ in docs]
    n_st = [0] * len(docs)
    n_themed = [0] * len(docs)
    idx = [0] * len(docs)
    col = {c: j for j, c in enumerate(classes)}
    doc_hash = [d.content_hash for d in docs]
    for owner, (s, e), text, r in zip(owners, spans, texts, results):
        d = docs[owner]
        themes = r.theme_ids
        for t in themes:
            counts[owner][col[t]] += 1
        n_st[owner] += 1
        n_themed[owner] += bool(themes)
        srows["doc_id"].append(d.doc_id)
        srows["path"].append(d.path)
        srows["part"].append(d.part)
        srows["statement_index"].append(idx[owner])
        idx[owner] += 1
        srows["start"].append(d.offset + s)
        srows["end"].append(d.offset + e)
        srows["text"].append(text)
        srows["themes"].append(themes)
        srows["top_theme"].append(r.top_theme or "")
        for c in classes:
            srows[f"score_{c}"].append(round(r.scores[c], 6))
        ev = {
            t.id: [
                {
                    "start": d.offset + s + x.start,
                    "end": d.offset + s + x.end,
                    "text": x.text,
                    "terms": list(x.terms),
                    "weight": round(x.weight, 6),
                }
                for x in t.evidence
            ]
            for t in r.themes
            if t.evidence
        }
        srows["evidence"].append(json.dumps(ev, ensure_ascii=False) if ev else "")
        srows["statement_hash"].append(text_hash(text))
        srows["doc_hash"].append(doc_hash[owner])
        for k, v in prov.items():
            srows[k].append(v)

    for i, d in enumerate(docs):
        n = n_st[i]
        ci = counts[i]
        order = sorted(range(len(classes)), key=lambda j: (-ci[j], j))
        drows["doc_id"].append(d.doc_id)
        drows["path"].append(d.path)
        drows["part"].append(d.part)
        drows["format"].append(d.format)
        drows["encoding"].append(d.encoding)
        drows["n_chars"].append(len(d.text))
        drows["n_statements"].append(n)
        drows["n_with_theme"].append(n_themed[i])
        drows["themes"].append([classes[j] for j in order if counts[i][j]])
        drows["top_theme"].append(classes[order[0]] if n and counts[i][order[0]] else "")
        for j, c in enumerate(classes):
            drows[f"count_{c}"].append(counts[i][j])
        for j, c in enumerate(classes):
            drows[f"share_{c}"].append(round(counts[i][j] / n, 6) if n else 0.0)
        drows["flags"].append(";".join(d.flags))
        drows["meta"].append(json.dumps(d.meta, ensure_ascii=False, default=str) if d.meta else "")
        drows["doc_hash"].append(doc_hash[i])
        for k, v in prov.items():
            drows[k].append(v)
    return srows, drows


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
