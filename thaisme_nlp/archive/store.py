"""Where a batch run's results live: atomic chunks with commit markers, then final files.

For ``--out tags.parquet`` the job writes

- ``tags.parquet.chunks/`` — the work store. Each chunk is up to three Parquet files
  (statements, documents, errors) written to temporary names and renamed, then a
  ``NNNNNN.done`` marker (also temp + rename) listing the documents it holds. The marker is
  the commit: a chunk without one (a run killed mid-write) is deleted on the next start and its
  documents tagged again, so nothing is lost and nothing is written twice.
- ``tags.parquet`` (statements), ``tags.documents.parquet`` and ``tags.errors.parquet`` — the
  results, assembled from the committed chunks at the end of a run (streamed, temp + rename).
  ``.csv`` and ``.jsonl`` work the same way; themes are ``;``-joined in CSV.

A document is *done* when a committed chunk holds it under the same model id and content hash;
a re-run skips it. Rows of documents that changed or vanished since are left out of the
assembled files; errors are kept only from the latest run (they are retried every run).
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import OutputError
from .rows import Rows, arrow_columns, encode

__all__ = ["FORMATS", "ChunkStore", "output_paths"]

FORMATS = (".parquet", ".csv", ".jsonl")
KINDS = ("statements", "documents", "errors")


def output_paths(out: str | Path) -> dict[str, Path]:
    """The three result files of ``out``: statements at ``out`` itself, documents and errors
    beside it (``name.documents.ext``, ``name.errors.ext``)."""
    out = Path(out)
    ext = out.suffix.lower()
    if ext not in FORMATS:
        raise OutputError(
            f"--out must end in one of {', '.join(FORMATS)} (the format is chosen by extension), "
            f"got {out.name!r}"
        )
    stem = out.with_suffix("")
    return {
        "statements": out,
        "documents": stem.with_name(stem.name + ".documents" + ext),
        "errors": stem.with_name(stem.name + ".errors" + ext),
    }


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


class ChunkStore:
    """The chunk folder of one output. Single writer: the process that runs the job."""

    def __init__(self, out: str | Path) -> None:
        self.paths = output_paths(out)
        self.dir = Path(str(self.paths["statements"]) + ".chunks")
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock()
        self._recover()
        self._seq = max((int(p.stem) for p in self.dir.glob("*.done")), default=0)

    def _lock(self) -> None:
        """One run per output at a time. A lock left by a killed run (its process is gone) is
        taken over."""
        lock = self.dir / "LOCK"
        while True:
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                try:
                    pid = int(lock.read_text() or 0)
                except (FileNotFoundError, ValueError):
                    pid = 0
                if pid and pid != os.getpid() and _alive(pid):
                    raise OutputError(
                        f"another run (process {pid}) is writing to {self.paths['statements']}; "
                        "wait for it or choose another --out"
                    ) from None
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()
                continue
            with os.fdopen(fd, "w") as f:
                f.write(str(os.getpid()))
            return

    def close(self) -> None:
        """Release the lock."""
        with contextlib.suppress(FileNotFoundError):
            (self.dir / "LOCK").unlink()

    def _recover(self) -> None:
        """Delete what a killed run left uncommitted."""
        committed = {p.stem for p in self.dir.glob("*.done")}
        for p in self.dir.iterdir():
            if p.name == "LOCK":
                continue
            if p.suffix == ".tmp" or p.name.split(".", 1)[0] not in committed:
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()

    # -- what is done ---------------------------------------------------------------------------
    def markers(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for p in sorted(self.dir.glob("*.done")):
            yield p.stem, json.loads(p.read_text("utf-8"))

    def done(self, model_id: str) -> set[tuple[str, str]]:
        """``(doc_id, content_hash)`` of every committed document tagged by ``model_id``."""
        out: set[tuple[str, str]] = set()
        for _, m in self.markers():
            if m["model_id"] == model_id:
                out.update((d, h) for d, h in m["docs"])
        return out

    # -- writing --------------------------------------------------------------------------------
    def commit(
        self,
        tables: dict[str, bytes | Rows],
        *,
        model_id: str,
        run_id: str,
        docs: list[tuple[str, str]],
        classes: list[str],
    ) -> str:
        """Write one chunk atomically; return its name. ``tables`` maps each kind to Parquet
        bytes (as :func:`~thaisme_nlp.archive.rows.tag_batch` encodes them in the worker) or to
        rows."""
        self._seq += 1
        name = f"{self._seq:06d}"
        written = []
        for kind, data in tables.items():
            if isinstance(data, dict):  # rows: encode here (error rows are made here)
                if not data or not next(iter(data.values())):
                    continue
                data = encode(data)
            if not data:
                continue
            tmp = self.dir / f"{name}.{kind}.{uuid.uuid4().hex[:8]}.tmp"
            _fsync_write(tmp, data)
            tmp.replace(self.dir / f"{name}.{kind}.parquet")
            written.append(kind)
        marker = {
            "model_id": model_id,
            "run_id": run_id,
            "kinds": written,
            "classes": classes,
            "docs": [list(d) for d in docs],
        }
        tmp = self.dir / f"{name}.done.{uuid.uuid4().hex[:8]}.tmp"
        _fsync_write(tmp, json.dumps(marker, ensure_ascii=False).encode("utf-8"))
        tmp.replace(self.dir / f"{name}.done")
        return name

    # -- assembling -----------------------------------------------------------------------------
    def assemble(
        self,
        *,
        model_id: str,
        run_id: str,
        live: set[tuple[str, str]],
        columns: dict[str, list[str]],
    ) -> dict[str, int]:
        """Write the three result files from the committed chunks; return row counts.

        Statement and document rows come from chunks of ``model_id`` whose
        ``(doc_id, doc_hash)`` is in ``live`` (the archive as read by this run), each document
        once; error rows from this run only.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        counts = {}
        for kind in KINDS:
            seen: set[tuple[str, str]] = set()
            with _Writer(self.paths[kind], columns[kind]) as w:
                for name, m in self.markers():
                    if kind not in m["kinds"]:
                        continue
                    if kind == "errors":
                        if m["run_id"] != run_id:
                            continue
                    elif m["model_id"] != model_id:
                        continue
                    table = pq.read_table(self.dir / f"{name}.{kind}.parquet")
                    if kind != "errors":
                        keys = list(
                            zip(
                                table.column("doc_id").to_pylist(),
                                table.column("doc_hash").to_pylist(),
                            )
                        )
                        fresh = {k for k in set(keys) if k in live and k not in seen}
                        if len(fresh) != len(set(keys)):
                            table = table.filter(pa.array([k in fresh for k in keys]))
                        seen.update(fresh)
                    w.write(table)
            counts[kind] = w.rows
        return counts

    def prune(self, *, model_id: str, run_id: str, live: set[tuple[str, str]]) -> int:
        """Delete chunks that no longer contribute to the results: other models, documents
        since changed or removed, errors of earlier runs. Returns how many."""
        n = 0
        for name, m in list(self.markers()):
            if m["run_id"] == run_id or (
                m["model_id"] == model_id and any(tuple(d) in live for d in m["docs"])
            ):
                continue
            for p in self.dir.glob(f"{name}.*"):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
            n += 1
        return n


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class _Writer:
    """Stream Arrow tables into one result file (Parquet, CSV or JSONL), temp + rename."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.columns = columns
        self.ext = path.suffix.lower()
        self.tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        self.rows = 0
        self._pq: Any = None
        self._fh: Any = None
        self._header = True

    def __enter__(self) -> _Writer:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.ext != ".parquet":
            self._fh = open(self.tmp, "w", encoding="utf-8", newline="")
        return self

    def write(self, table: Any) -> None:
        import pyarrow.parquet as pq

        if table.num_rows == 0:
            return
        self.rows += table.num_rows
        if self.ext == ".parquet":
            if self._pq is None:
                self._pq = pq.ParquetWriter(self.tmp, table.schema, compression="zstd")
            self._pq.write_table(table)
        elif self.ext == ".csv":
            df = table.to_pandas()
            if "themes" in df:
                df["themes"] = df["themes"].map(lambda t: ";".join(t))
            df.to_csv(self._fh, index=False, header=self._header)
            self._header = False
        else:
            for rec in table.to_pylist():
                self._fh.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if self._pq is not None:
            self._pq.close()
        if self._fh is not None:
            self._fh.close()
        if exc_type is not None:
            with contextlib.suppress(FileNotFoundError):
                self.tmp.unlink()
            return
        if not self.tmp.exists() or self.rows == 0:  # no rows: an empty file with the columns
            import pyarrow as pa
            import pyarrow.parquet as pq

            empty = pa.table(arrow_columns({c: [] for c in self.columns}))
            if self.ext == ".parquet":
                pq.write_table(empty, self.tmp)
            elif self.ext == ".csv":
                self.tmp.write_text(",".join(self.columns) + "\n", encoding="utf-8")
        self.tmp.replace(self.path)
