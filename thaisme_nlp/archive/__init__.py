"""Batch re-tagging of archives: read → segment → classify → rows, resumable (``thaisme-nlp tag``).

- :mod:`.readers` — files (txt/md, csv, xlsx, jsonl(.gz), docx, pdf) → documents;
- :mod:`.rows` — documents → statement and document rows with provenance (pure);
- :mod:`.store` — atomic chunks with commit markers, and the assembled result files;
- :mod:`.tag` — :func:`tag_archive`: the job, its runners (local, process pool, Dask);
- :mod:`.diff` — :func:`diff_runs`: what changed between two runs.
"""

from .diff import DiffResult, diff_runs
from .readers import Document, ReadFailure, iter_archive
from .tag import TagResult, read_table, tag_archive

__all__ = [
    "DiffResult",
    "Document",
    "ReadFailure",
    "TagResult",
    "diff_runs",
    "iter_archive",
    "read_table",
    "tag_archive",
]
