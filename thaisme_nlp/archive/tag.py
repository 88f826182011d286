"""The batch job: ``tag_archive`` (and ``thaisme-nlp tag``).

Flow: :func:`~thaisme_nlp.archive.readers.iter_archive` streams documents → documents already
done (same ``doc_id``, content hash and model id in the store) are skipped → the rest are cut
into batches of about ``batch_chars`` characters → a *runner* tags each batch with
:func:`~thaisme_nlp.archive.rows.tag_batch` (in this process, in a process pool with the
model loaded once per worker, or on a Dask cluster) → results come back in submission order
and each batch is committed as one chunk of the :class:`~thaisme_nlp.archive.store.ChunkStore`
→ at the end the result files are assembled from the chunks.

Only a bounded number of batches is in flight, so memory does not grow with the archive.
"""

from __future__ import annotations

import collections
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .readers import PART_CHARS, Document, ReadFailure, iter_archive, list_files
from .rows import (
    ERROR_COLUMNS,
    column_kind,
    document_columns,
    error_rows,
    provenance,
    statement_columns,
    tag_batch,
)
from .store import ChunkStore

if TYPE_CHECKING:
    import pandas as pd

    from ..classify import ThemeClassifier

__all__ = ["TagResult", "tag_archive"]


@dataclass
class TagResult:
    """What a run did, and where its rows are.

    ``statements()``, ``documents()`` and ``errors()`` read the result files as DataFrames —
    as they are when called: a later run with the same ``out`` rewrites them. (With
    ``out=None`` they were read into memory before the temporary store was removed.)
    """

    paths: dict[str, Path] | None
    model_id: str
    n_files: int = 0
    n_documents: int = 0
    n_tagged: int = 0
    n_skipped: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    failures: list[ReadFailure] = field(default_factory=list)
    theme_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    _frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def _frame(self, kind: str) -> pd.DataFrame:
        if kind in self._frames:
            return self._frames[kind]
        assert self.paths is not None
        return read_table(self.paths[kind])

    def statements(self) -> pd.DataFrame:
        return self._frame("statements")

    def documents(self) -> pd.DataFrame:
        return self._frame("documents")

    def errors(self) -> pd.DataFrame:
        return self._frame("errors")

    def summary(self) -> str:
        """The report ``thaisme-nlp tag`` prints."""
        rate = self.n_tagged / self.seconds if self.seconds else 0.0
        lines = [
            f"files {self.n_files:,} · documents {self.n_documents:,} (tagged {self.n_tagged:,}, "
            f"already tagged {self.n_skipped:,}) · statements {self.rows.get('statements', 0):,}"
            f" · unreadable {len(self.failures):,}",
            f"model {self.model_id} · {self.seconds:.1f} s ({rate:.1f} documents/s)",
        ]
        if self.theme_counts:
            top = sorted(self.theme_counts.items(), key=lambda kv: -kv[1])
            lines.append("statements per theme: " + " · ".join(f"{k} {v:,}" for k, v in top if v))
        if self.failures:
            lines.append("could not read:")
            lines += [f"  {f.doc_id}: {f.error}: {f.message}" for f in self.failures[:50]]
            if len(self.failures) > 50:
                lines.append(f"  … and {len(self.failures) - 50:,} more (see the errors file)")
        if self.paths:
            lines.append("results: " + ", ".join(str(p) for p in self.paths.values()))
        return "\n".join(lines)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a result file written by the job (Parquet, CSV or JSONL) as a DataFrame, with
    ``themes`` as lists in every format."""
    import pandas as pd

    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".parquet":
        df = pd.read_parquet(path)
        if "themes" in df:
            df["themes"] = df["themes"].map(list)
    elif ext == ".csv":
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        if "themes" in df:
            df["themes"] = df["themes"].map(lambda s: s.split(";") if s else [])
        for c in df.columns:
            kind = column_kind(c)
            if kind in ("int", "float"):
                df[c] = df[c].astype("int64" if kind == "int" else "float64")
    else:
        df = pd.read_json(path, lines=True, dtype=False)
        if df.empty:
            return df
    return df


# -- runners -------------------------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def _load(spec: Any) -> ThemeClassifier:
    from ..classify import resolve_model

    return resolve_model(spec)


def _init_worker(spec: Any) -> None:
    os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
    _WORKER["model"] = _load(spec)


def _work(batch: list[Document], evidence: bool, top_k: int) -> dict[str, bytes]:
    return tag_batch(batch, _WORKER["model"], evidence=evidence, top_k=top_k)


def _dask_work(batch: list[Document], spec: Any, evidence: bool, top_k: int) -> dict[str, bytes]:
    # one model per worker process, kept between tasks
    key = spec if isinstance(spec, (str, type(None))) else id(spec)
    model = _WORKER.get(f"dask:{key}")
    if model is None:
        model = _WORKER[f"dask:{key}"] = _load(spec)
    return tag_batch(batch, model, evidence=evidence, top_k=top_k)


def _ordered(
    submit: Callable[[list[Document]], Any],
    result: Callable[[Any], Any],
    batches: Iterable[list[Document]],
    in_flight: int,
) -> Iterator[tuple[list[Document], Any]]:
    """Submit batches with at most ``in_flight`` pending; yield results in submission order."""
    queue: collections.deque[tuple[list[Document], Any]] = collections.deque()
    for b in batches:
        queue.append((b, submit(b)))
        if len(queue) >= in_flight:
            b0, f0 = queue.popleft()
            yield b0, result(f0)
    while queue:
        b0, f0 = queue.popleft()
        yield b0, result(f0)


def _run_local(
    batches: Iterable[list[Document]], model: ThemeClassifier, evidence: bool, top_k: int
) -> Iterator[tuple[list[Document], Any]]:
    for b in batches:
        yield b, tag_batch(b, model, evidence=evidence, top_k=top_k)


def _run_pool(
    batches: Iterable[list[Document]], spec: Any, jobs: int, evidence: bool, top_k: int
) -> Iterator[tuple[list[Document], Any]]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # spawn: workers start clean on every platform (no fork of a process holding threads)
    with ProcessPoolExecutor(
        jobs, mp_context=mp.get_context("spawn"), initializer=_init_worker, initargs=(spec,)
    ) as ex:
        yield from _ordered(
            lambda b: ex.submit(_work, b, evidence, top_k),
            lambda f: f.result(),
            batches,
            2 * jobs,
        )


def _run_dask(
    batches: Iterable[list[Document]], spec: Any, scheduler: Any, evidence: bool, top_k: int
) -> Iterator[tuple[list[Document], Any]]:
    try:
        from dask.distributed import Client
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "a Dask scheduler needs the optional extra: pip install 'thaisme-nlp[dask]'"
        ) from e
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        if not isinstance(spec, (str, Path, type(None))):
            spec = client.scatter(spec, broadcast=True)
        elif isinstance(spec, Path):
            spec = str(spec)
        n = max(1, len(client.scheduler_info().get("workers", {})))
        yield from _ordered(
            lambda b: client.submit(_dask_work, b, spec, evidence, top_k, pure=False),
            lambda f: f.result(),
            batches,
            2 * n,
        )
    finally:
        if client is not scheduler:
            client.close()


def _batches(
    docs: Iterable[Document], batch_chars: int, batch_docs: int
) -> Iterator[list[Document]]:
    batch: list[Document] = []
    chars = 0
    for d in docs:
        batch.append(d)
        chars += len(d.text)
        if chars >= batch_chars or len(batch) >= batch_docs:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


class _Progress:
    """One status line on a terminal: documents tagged, documents/s, and the share of the
    archive's bytes read so far with an ETA from it; nothing (and no bookkeeping) when
    disabled."""

    def __init__(self, enabled: bool, sizes: dict[str, int]) -> None:
        self.enabled = enabled
        self.total = max(sum(sizes.values()), 1)
        self.sizes = sizes
        self.done_bytes = 0
        self.partial: dict[str, int] = {}
        self.docs = 0
        self.t0 = time.perf_counter()
        self.last = 0.0

    def doc_read(self, d: Document) -> None:
        """Count the bytes of a document as read (estimated from its text: a file holding many
        documents, e.g. JSON Lines, advances before it is finished)."""
        if not self.enabled:
            return
        have = self.partial.get(d.path, 0)
        size = self.sizes.get(d.path, 0)
        n = len(d.text.encode("utf-8")) // (4 if d.path.endswith(".gz") else 1)
        add = min(n, max(size - have, 0))
        self.partial[d.path] = have + add
        self.done_bytes += add

    def file_done(self, path: str) -> None:
        if self.enabled:
            self.done_bytes += self.sizes.get(path, 0) - self.partial.pop(path, 0)

    def docs_done(self, n: int) -> None:
        self.docs += n
        self.show()

    def show(self, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not final and now - self.last < 0.2:
            return
        self.last = now
        dt = now - self.t0
        rate = self.docs / dt if dt else 0.0
        frac = min(self.done_bytes / self.total, 1.0)
        eta = dt * (1 - frac) / frac if frac > 0 else 0.0
        sys.stderr.write(
            f"\r{self.docs:,} documents · {rate:,.1f} documents/s · {frac:5.1%} · "
            f"ETA {int(eta // 60)}:{int(eta % 60):02d}   "
        )
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()


# -- the job -------------------------------------------------------------------------------------
def tag_archive(
    path: str | Path,
    out: str | Path | None = None,
    *,
    model: ThemeClassifier | str | Path | None = None,
    text_column: str | None = None,
    text_field: str | None = None,
    jobs: int = 1,
    scheduler: Any = None,
    evidence: bool = True,
    top_k: int = 3,
    batch_chars: int = 200_000,
    batch_docs: int = 2_000,
    part_chars: int = PART_CHARS,
    progress: bool | None = None,
) -> TagResult:
    """Tag every statement of an archive folder (or one file) with policy themes.

    Parameters
    ----------
    path : str or Path
        A folder (read recursively) or one file: ``.txt``/``.md`` (UTF-8, UTF-8 with BOM,
        UTF-16 or TIS-620), ``.csv``/``.xlsx`` (one document per row), ``.jsonl``/``.jsonl.gz``
        (one per line), ``.docx``, ``.pdf``.
    out : str or Path, optional
        ``name.parquet``, ``name.csv`` or ``name.jsonl``: statements there, documents in
        ``name.documents.<ext>``, unreadable files in ``name.errors.<ext>``, work chunks in
        ``<out>.chunks/``. Re-running with the same ``out`` and model skips what is done and
        finishes what a killed run left. ``None``: a temporary store; the rows are returned in
        memory.
    model : ThemeClassifier or path, optional
        Default: the shipped default model.
    text_column, text_field : str, optional
        The column of CSV/Excel files, the field of JSON Lines records, that holds the text.
        Default: the first of :data:`~thaisme_nlp.archive.readers.TEXT_COLUMN_CANDIDATES`.
    jobs : int
        Worker processes (each loads the model once); 1 runs in this process.
    scheduler : str or dask.distributed.Client, optional
        Run the batches on a Dask cluster instead (address like ``tcp://host:8786``).
    evidence : bool
        Evidence spans per statement and theme (the slowest part; off for pure scoring).
    batch_chars, batch_docs : int
        A batch (and a committed chunk) closes at this many characters or documents.
    progress : bool, optional
        Show a progress line; default: when stderr is a terminal.

    Returns
    -------
    TagResult
    """
    t0 = time.perf_counter()
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    clf = _load(model)
    spec: Any = model
    classes = [str(c) for c in clf.classes_]
    prov = provenance(clf)
    model_id = prov["model_id"]

    root = Path(path)
    files = list_files(root)  # FileNotFoundError before anything is written
    tmpdir = None
    if out is None:
        tmpdir = tempfile.mkdtemp(prefix="thaisme-tag-")
        out = Path(tmpdir) / "tags.parquet"
    store = ChunkStore(out)
    try:
        done = store.done(model_id)
        run_id = uuid.uuid4().hex
        base = root if root.is_dir() else root.parent
        sizes = {}
        for f in files:
            try:
                sizes[f.relative_to(base).as_posix()] = f.stat().st_size
            except FileNotFoundError:
                pass
        show = sys.stderr.isatty() if progress is None else progress
        prog = _Progress(show, sizes)
        res = TagResult(
            paths=None if tmpdir else store.paths, model_id=model_id, n_files=len(files)
        )
        live: set[tuple[str, str]] = set()
        pending: list[ReadFailure] = []
        current = [""]

        def todo() -> Iterator[Document]:
            for item in iter_archive(
                root,
                text_column=text_column,
                text_field=text_field,
                part_chars=part_chars,
                files=files,
            ):
                if item.path != current[0]:
                    if current[0]:
                        prog.file_done(current[0])
                    current[0] = item.path
                if isinstance(item, ReadFailure):
                    pending.append(item)
                    res.failures.append(item)
                    continue
                res.n_documents += 1
                prog.doc_read(item)
                key = (item.doc_id, item.content_hash)
                live.add(key)
                if key in done:
                    res.n_skipped += 1
                    continue
                yield item

        batches = _batches(todo(), batch_chars, batch_docs)
        if scheduler is not None:
            runner = _run_dask(batches, spec, scheduler, evidence, top_k)
        elif jobs > 1:
            runner = _run_pool(batches, spec, jobs, evidence, top_k)
        else:
            runner = _run_local(batches, clf, evidence, top_k)

        for batch, result in runner:
            # documents the classifier could not tag: error rows, not marked done
            failed: list[ReadFailure] = result["failed"]
            failed_ids = {f.doc_id for f in failed}
            res.failures += failed
            errs, pending[:] = [*pending, *failed], []
            tables: dict[str, Any] = {
                "statements": result["statements"],
                "documents": result["documents"],
                "errors": error_rows(errs, prov),
            }
            store.commit(
                tables,
                model_id=model_id,
                run_id=run_id,
                docs=[(d.doc_id, d.content_hash) for d in batch if d.doc_id not in failed_ids],
                classes=classes,
            )
            res.n_tagged += len(batch) - len(failed)
            prog.docs_done(len(batch))
        if pending:
            store.commit(
                {"errors": error_rows(pending, prov)},
                model_id=model_id,
                run_id=run_id,
                docs=[],
                classes=classes,
            )
        if current[0]:
            prog.file_done(current[0])
        prog.show(final=True)

        columns = {
            "statements": statement_columns(classes),
            "documents": document_columns(classes),
            "errors": ERROR_COLUMNS,
        }
        res.rows = store.assemble(model_id=model_id, run_id=run_id, live=live, columns=columns)
        store.prune(model_id=model_id, run_id=run_id, live=live)
        res.theme_counts = _theme_counts(store.paths["documents"], classes)
        if tmpdir:
            for kind in ("statements", "documents", "errors"):
                res._frames[kind] = read_table(store.paths[kind])
    finally:
        store.close()
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    res.seconds = time.perf_counter() - t0
    return res


def _theme_counts(documents_file: Path, classes: list[str]) -> dict[str, int]:
    df = read_table(documents_file)
    return {c: int(df[f"count_{c}"].sum()) if len(df) else 0 for c in classes}
