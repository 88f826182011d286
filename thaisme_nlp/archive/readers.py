"""Readers: an archive folder → a stream of :class:`Document` (or :class:`ReadFailure`).

One *document* is the unit the batch job tags and skips on a re-run: a text, Markdown, Word or
PDF file; one row of a CSV/Excel survey export; one line of a JSON Lines file; one part of a
very large text file (cut at a line break every ``part_chars`` characters, so a 200 MB file is
streamed, not loaded).

Text files are decoded by evidence, not by guessing: a byte-order mark decides UTF-8/UTF-16;
then strict UTF-8; then TIS-620 (read as cp874, its superset) only when the decoded text is
plausible Thai — letters, with every combining mark sitting on a letter. Anything else is an
:class:`~thaisme_nlp.errors.ArchiveReadError`, which the batch job records and moves past.

PDF text of Thai fonts often comes out with vowels and tone marks in private-use code points
or in the wrong order; :func:`read_pdf` maps the private-use glyphs back, repairs the order
(the ``fix_thai`` rules of :mod:`thaisme_nlp.text.normalize`), and flags pages that still look
like garbage instead of tagging them.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ArchiveReadError

__all__ = [
    "TEXT_COLUMN_CANDIDATES",
    "Document",
    "ReadFailure",
    "decode_bytes",
    "iter_archive",
    "list_files",
    "read_pdf",
]

#: Column / field names tried, in order, when no ``text_column`` / ``text_field`` is given.
TEXT_COLUMN_CANDIDATES = (
    "text",
    "answer",
    "message",
    "comment",
    "feedback",
    "ข้อความ",
    "คำตอบ",
    "ความคิดเห็น",
    "ข้อเสนอแนะ",
)
SUFFIXES = (".txt", ".md", ".csv", ".xlsx", ".jsonl", ".jsonl.gz", ".docx", ".pdf")
PART_CHARS = 2_000_000  # a text file longer than this is tagged in parts
_HEAD_BYTES = 1 << 16

# Thai glyph variants some PDF fonts emit as private-use code points (the Microsoft/Apple
# layout, U+F700–U+F71A), mapped back to the characters they draw.
_PUA_THAI = str.maketrans(
    {
        0xF700: "\u0e10",
        0xF701: "\u0e34",
        0xF702: "\u0e35",
        0xF703: "\u0e36",
        0xF704: "\u0e37",
        0xF705: "\u0e48",
        0xF706: "\u0e49",
        0xF707: "\u0e4a",
        0xF708: "\u0e4b",
        0xF709: "\u0e4c",
        0xF70A: "\u0e48",
        0xF70B: "\u0e49",
        0xF70C: "\u0e4a",
        0xF70D: "\u0e4b",
        0xF70E: "\u0e4c",
        0xF70F: "\u0e0d",
        0xF710: "\u0e31",
        0xF711: "\u0e4d",
        0xF712: "\u0e47",
        0xF713: "\u0e48",
        0xF714: "\u0e49",
        0xF715: "\u0e4a",
        0xF716: "\u0e4b",
        0xF717: "\u0e4c",
        0xF718: "\u0e38",
        0xF719: "\u0e39",
        0xF71A: "\u0e3a",
    }
)
_THAI_MARK = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")
# a combining mark that does not sit on a Thai consonant, vowel carrier or another mark
_ORPHAN_MARK = re.compile(
    "(?<![\u0e01-\u0e2e\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]"
)
_THAI_LETTER = re.compile("[\u0e01-\u0e2e\u0e30\u0e32\u0e33\u0e40-\u0e46]")
_CID = re.compile(r"\(cid:\d+\)")


@dataclass(frozen=True)
class Document:
    """One unit of an archive: ``text`` with where it came from.

    ``doc_id`` is the path relative to the archive root (POSIX separators), with ``#row`` for
    a row of a table or a line of a JSON Lines file and ``@part`` for a part of a large file.
    ``offset`` is where ``text`` starts in the decoded file (non-zero only for parts), so
    ``offset + start`` of a statement is its place in the whole file.
    """

    doc_id: str
    path: str
    text: str
    format: str
    encoding: str = ""
    part: int = 0
    offset: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    flags: tuple[str, ...] = ()

    @property
    def content_hash(self) -> str:
        """SHA-256 (first 16 hex digits) of the text: with the model id, what decides whether
        a re-run can skip this document."""
        return text_hash(self.text)


@dataclass(frozen=True)
class ReadFailure:
    """A file (or one row/line of it) that could not be read."""

    doc_id: str
    path: str
    error: str  # error class name, e.g. "ArchiveReadError"
    message: str


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


# -- decoding ------------------------------------------------------------------------------------
def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode the bytes of a text file; return ``(text, encoding)``.

    Raises
    ------
    ArchiveReadError
        for binary data or bytes that are neither UTF-8, UTF-16 nor plausible TIS-620.

    Examples
    --------
    >>> decode_bytes("ขอบคุณครับ".encode("cp874"))
    ('ขอบคุณครับ', 'tis-620')
    >>> decode_bytes(codecs.BOM_UTF8 + "สินเชื่อ".encode())
    ('สินเชื่อ', 'utf-8-sig')
    """
    enc, text = _detect(data, complete=True)
    return text.removeprefix("\ufeff"), enc


_CODEC = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf-16": "utf-16",
    "utf-16-le": "utf-16-le",
    "utf-16-be": "utf-16-be",
    "tis-620": "cp874",
}


def detect_encoding(data: bytes, *, complete: bool) -> str:
    """Name the encoding of ``data`` (the whole file when ``complete``, else its head).

    Order of evidence: byte-order mark; UTF-16 without a mark (NUL in every other byte);
    NUL bytes elsewhere → binary; strict UTF-8; TIS-620 when the text decodes and reads as
    Thai. Raises :class:`ArchiveReadError` otherwise.
    """
    return _detect(data, complete=complete)[0]


def _detect(data: bytes, *, complete: bool) -> tuple[str, str]:
    """:func:`detect_encoding` and the text it decoded on the way (all of it when
    ``complete``), so a small file is decoded once."""
    if data.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    else:
        enc = _utf16_without_bom(data) or ""
    if enc:
        return enc, _try_decode(data, enc, complete)
    if b"\x00" in data[:_HEAD_BYTES]:
        raise ArchiveReadError("binary file (NUL bytes), not text")
    try:
        return "utf-8", _try_decode(data, "utf-8", complete)
    except ArchiveReadError:
        pass
    try:
        text = _decode_prefix(data, "tis-620", complete)
    except UnicodeDecodeError:
        raise ArchiveReadError(
            "undecodable bytes: not UTF-8, UTF-16 or TIS-620 (cp874); re-save the file as UTF-8"
        ) from None
    if not _plausible_thai(text):
        raise ArchiveReadError(
            "not UTF-8 or UTF-16, and its bytes do not read as Thai in TIS-620 (cp874); "
            "re-save the file as UTF-8"
        )
    return "tis-620", text


def _utf16_without_bom(data: bytes) -> str | None:
    head = data[:4096]
    if len(head) < 4 or len(head) % 2:
        return None
    even, odd = head[0::2], head[1::2]
    n = len(head) // 2
    if odd.count(0) > 0.3 * n and even.count(0) < 0.05 * n:
        return "utf-16-le"
    if even.count(0) > 0.3 * n and odd.count(0) < 0.05 * n:
        return "utf-16-be"
    # Thai in UTF-16: the high byte of U+0E00–U+0E7F is 0x0E
    if odd.count(0x0E) + odd.count(0) > 0.6 * n and even.count(0) < 0.05 * n:
        return "utf-16-le"
    if even.count(0x0E) + even.count(0) > 0.6 * n and odd.count(0) < 0.05 * n:
        return "utf-16-be"
    return None


def _decode_prefix(data: bytes, enc: str, complete: bool) -> str:
    dec = codecs.getincrementaldecoder(_CODEC[enc])("strict")
    return dec.decode(data if complete else data[:_HEAD_BYTES], final=complete)


def _try_decode(data: bytes, enc: str, complete: bool) -> str:
    try:
        text = _decode_prefix(data, enc, complete)
    except UnicodeDecodeError as e:
        raise ArchiveReadError(f"bytes are not valid {enc}: {e.reason} at byte {e.start}") from None
    if enc.startswith("utf-16") and "\x00" in text:
        raise ArchiveReadError("binary file (NUL characters after UTF-16 decoding)")
    return text


def _plausible_thai(text: str) -> bool:
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return True  # pure ASCII is valid TIS-620 too (and valid UTF-8, checked first)
    thai = sum(1 for c in non_ascii if "\u0e01" <= c <= "\u0e5b")
    if thai < 0.9 * len(non_ascii):
        return False
    marks = len(_THAI_MARK.findall(text))
    orphans = len(_ORPHAN_MARK.findall(text))
    return orphans <= 0.02 * max(marks, 1) + 1


def garbage_score(text: str) -> float:
    """Share of a PDF page's Thai characters that cannot be right: leftover private-use glyphs,
    replacement characters, ``(cid:N)`` placeholders, and combining marks that sit on nothing."""
    n = len(_THAI_LETTER.findall(text)) + len(_THAI_MARK.findall(text))
    bad = (
        sum(1 for c in text if "\ue000" <= c <= "\uf8ff" or c == "\ufffd")
        + 3 * len(_CID.findall(text))
        + len(_ORPHAN_MARK.findall(text))
    )
    if n + bad == 0:
        return 0.0
    return bad / (n + bad)


# -- the archive ---------------------------------------------------------------------------------
def list_files(root: str | Path) -> list[Path]:
    """The files under ``root`` the readers understand, sorted (a single file is its own
    archive). Hidden files and folders (``.name``) are skipped."""
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise FileNotFoundError(f"archive not found: {root}")
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and name.lower().endswith(SUFFIXES):
                out.append(Path(dirpath) / name)
    return out


def iter_archive(
    root: str | Path,
    *,
    text_column: str | None = None,
    text_field: str | None = None,
    part_chars: int = PART_CHARS,
    files: Sequence[Path] | None = None,
) -> Iterator[Document | ReadFailure]:
    """Every document of the archive at ``root``, in a stable order, and a
    :class:`ReadFailure` for every file or row that cannot be read. Never raises for a bad
    file; raises ``FileNotFoundError`` only when ``root`` itself does not exist."""
    root = Path(root)
    base = root if root.is_dir() else root.parent
    for path in list_files(root) if files is None else files:
        rel = path.relative_to(base).as_posix()
        try:
            yield from read_file(
                path, rel, text_column=text_column, text_field=text_field, part_chars=part_chars
            )
        except ArchiveReadError as e:
            yield ReadFailure(rel, rel, type(e).__name__, str(e))
        except FileNotFoundError:
            yield ReadFailure(rel, rel, "FileNotFoundError", "file disappeared during the run")
        except Exception as e:  # a reader library failing on a malformed file
            yield ReadFailure(rel, rel, type(e).__name__, f"cannot read {_fmt(path)} file: {e}")


def _fmt(path: Path) -> str:
    name = path.name.lower()
    return "jsonl.gz" if name.endswith(".jsonl.gz") else path.suffix.lower().lstrip(".")


def read_file(
    path: Path,
    rel: str,
    *,
    text_column: str | None = None,
    text_field: str | None = None,
    part_chars: int = PART_CHARS,
) -> Iterator[Document | ReadFailure]:
    """The documents of one file (see :func:`iter_archive`); raises on an unreadable file."""
    fmt = _fmt(path)
    if fmt in ("txt", "md"):
        yield from _read_text(path, rel, fmt, part_chars)
    elif fmt == "csv":
        yield from _read_csv(path, rel, text_column)
    elif fmt == "xlsx":
        yield from _read_xlsx(path, rel, text_column)
    elif fmt in ("jsonl", "jsonl.gz"):
        yield from _read_jsonl(path, rel, fmt, text_field or text_column)
    elif fmt == "docx":
        yield Document(rel, rel, read_docx(path), "docx", "docx")
    elif fmt == "pdf":
        text, bad = read_pdf(path)
        flags = (f"garbage_pages:{','.join(map(str, bad))}",) if bad else ()
        yield Document(rel, rel, text, "pdf", "pdf", flags=flags)
    else:  # pragma: no cover - list_files filters by suffix
        raise ArchiveReadError(f"unsupported file type: {path.name}")


def _read_text(path: Path, rel: str, fmt: str, part_chars: int) -> Iterator[Document]:
    size = path.stat().st_size
    if size <= part_chars:  # the common case: one document
        text, enc = decode_bytes(path.read_bytes())
        yield Document(rel, rel, text, fmt, enc)
        return
    with path.open("rb") as f:
        enc = detect_encoding(f.read(_HEAD_BYTES), complete=False)
        f.seek(0)
        stream = io.TextIOWrapper(f, encoding=_CODEC[enc], errors="strict", newline="")
        offset, part, carry = 0, 0, ""
        while True:
            try:
                block = stream.read(part_chars)
            except UnicodeDecodeError as e:
                raise ArchiveReadError(
                    f"bytes are not valid {enc} after character {offset + len(carry)}: {e.reason}"
                    f" (the first {part} part(s) were read)"
                ) from None
            if part == 0:
                block = block.removeprefix("\ufeff")
            text = carry + block
            if not block:
                if text:
                    yield Document(f"{rel}@{part}", rel, text, fmt, enc, part, offset)
                return
            cut = text.rfind("\n") + 1 or len(text)  # cut after a line break when there is one
            yield Document(f"{rel}@{part}", rel, text[:cut], fmt, enc, part, offset)
            offset += cut
            part += 1
            carry = text[cut:]


def _pick_column(columns: Sequence[str], wanted: str | None, path: str) -> str:
    cols = [str(c) for c in columns]
    if wanted is not None:
        if wanted in cols:
            return wanted
        raise ArchiveReadError(f"{path}: no column {wanted!r}; columns are {cols}")
    lower = {c.strip().lower(): c for c in cols}
    for cand in TEXT_COLUMN_CANDIDATES:
        if cand in lower:
            return lower[cand]
    raise ArchiveReadError(
        f"{path}: which column holds the text? give --text-column; columns are {cols}"
    )


def _read_csv(path: Path, rel: str, text_column: str | None) -> Iterator[Document]:
    with path.open("rb") as f:
        head = f.read(_HEAD_BYTES)
    small = path.stat().st_size <= _HEAD_BYTES
    enc = detect_encoding(head, complete=small)
    with path.open("rb") as raw:
        stream = io.TextIOWrapper(raw, encoding=_CODEC[enc], errors="strict", newline="")
        reader = csv.reader(stream)
        try:
            header = next(reader)
        except StopIteration:
            return  # an empty file: no documents
        header[0] = header[0].removeprefix("\ufeff")
        col = _pick_column(header, text_column, rel)
        k = header.index(col)
        row_no = 0
        try:
            for row in reader:
                row_no += 1
                if not any(c.strip() for c in row):
                    continue
                text = row[k] if k < len(row) else ""
                meta = {h: v for h, v in zip(header, row) if h != col}
                yield Document(f"{rel}#{row_no}", rel, text, "csv", enc, meta=meta)
        except UnicodeDecodeError as e:
            raise ArchiveReadError(
                f"bytes are not valid {enc} after row {row_no}: {e.reason}"
            ) from None
        except csv.Error as e:
            raise ArchiveReadError(f"malformed CSV after row {row_no}: {e}") from None


def _read_xlsx(path: Path, rel: str, text_column: str | None) -> Iterator[Document]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header: list[str] | None = None
            for r, row in enumerate(rows, start=1):
                cells = ["" if v is None else str(v) for v in row]
                if header is None:
                    if any(c.strip() for c in cells):
                        header = cells
                        k = header.index(_pick_column(header, text_column, f"{rel}[{ws.title}]"))
                    continue
                if not any(c.strip() for c in cells):
                    continue
                meta = {h: v for h, v in zip(header, cells) if h and h != header[k]}
                text = cells[k] if k < len(cells) else ""
                yield Document(f"{rel}#{ws.title}!{r}", rel, text, "xlsx", "xlsx", meta=meta)
    finally:
        wb.close()


def _read_jsonl(
    path: Path, rel: str, fmt: str, text_field: str | None
) -> Iterator[Document | ReadFailure]:
    opener: Any = gzip.open if fmt == "jsonl.gz" else open
    with opener(path, "rb") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            did = f"{rel}#{n}"
            try:
                rec = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                yield ReadFailure(did, rel, "ArchiveReadError", f"line {n} is not JSON: {e}")
                continue
            if not isinstance(rec, dict):
                yield ReadFailure(did, rel, "ArchiveReadError", f"line {n} is not a JSON object")
                continue
            try:
                key = _pick_column(list(rec), text_field, f"{rel} line {n}")
            except ArchiveReadError as e:
                yield ReadFailure(did, rel, "ArchiveReadError", str(e))
                continue
            text = rec[key]
            if not isinstance(text, str):
                yield ReadFailure(
                    did, rel, "ArchiveReadError", f"line {n}: {key!r} is not a string"
                )
                continue
            meta = {k: v for k, v in rec.items() if k != key}
            yield Document(did, rel, text, fmt, "utf-8", meta=meta)


def read_docx(path: str | Path) -> str:
    """The text of a Word file: paragraphs and tables in document order; a table row is one
    line, its cells separated by tabs (merged cells once)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if not zipfile.is_zipfile(path):
        raise ArchiveReadError(
            "not a valid .docx (a Word file is a zip archive; this one is damaged or truncated)"
        )
    d = docx.Document(str(path))
    lines: list[str] = []
    for child in d.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(child, d).text)
        elif tag == "tbl":
            for row in Table(child, d).rows:
                cells: list[str] = []
                for c in row.cells:
                    t = c.text.strip()
                    if t and (not cells or cells[-1] != t):
                        cells.append(t)
                lines.append("\t".join(cells))
    return "\n".join(lines)


def read_pdf(path: str | Path, *, max_garbage: float = 0.05) -> tuple[str, list[int]]:
    """The text of a PDF, page by page, repaired for Thai; returns ``(text, garbage_pages)``.

    Private-use Thai glyphs are mapped back, then NFC and the ``fix_thai`` rules of
    :func:`thaisme_nlp.normalize` repair mark order. A page whose :func:`garbage_score` is
    above ``max_garbage`` is left out of the text and its number (1-based) returned.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from ..text.normalize import NormalizeConfig, normalize

    repair = NormalizeConfig(thai_digits=False, fold_repeats=False, fold_whitespace=False)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise ArchiveReadError("encrypted PDF: no text can be read")
        pages = []
        bad = []
        for i, page in enumerate(reader.pages, start=1):
            raw = (page.extract_text() or "").translate(_PUA_THAI)
            text = normalize(unicodedata.normalize("NFC", raw), repair)
            if garbage_score(text) > max_garbage:
                bad.append(i)
                continue
            pages.append(text)
    except PdfReadError as e:
        raise ArchiveReadError(f"not a readable PDF: {e}") from None
    return "\n\n".join(pages), bad
