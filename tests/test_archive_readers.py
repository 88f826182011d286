"""Readers of the batch job: encodings detected from evidence, every format, bad files as
failure records (never an exception out of iter_archive)."""

from __future__ import annotations

import codecs
import gzip
import json
from pathlib import Path

import pytest

from thaisme_nlp.archive.readers import (
    Document,
    ReadFailure,
    decode_bytes,
    garbage_score,
    iter_archive,
    read_docx,
)
from thaisme_nlp.errors import ArchiveReadError

MINUTES = (
    "รายงานการประชุมคณะทำงานส่งเสริมวิสาหกิจชุมชน ครั้งที่ ๓/๒๕๖๖\n"
    "วาระที่ ๓ นางสมใจ ใจดี แจ้งว่ากลุ่มขอกู้เงินจากธนาคารไม่ผ่านเพราะไม่มีหลักทรัพย์ค้ำประกัน\n"
    "มติที่ประชุม รับทราบ และมอบหมายสำนักงานพัฒนาชุมชนจังหวัดประสานธนาคารเพื่อการเกษตรและสหกรณ์การเกษตร (ธ.ก.ส.)\n"
)


def _docs(items):
    return [x for x in items if isinstance(x, Document)]


def _fails(items):
    return [x for x in items if isinstance(x, ReadFailure)]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (MINUTES.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + MINUTES.encode("utf-8"), "utf-8-sig"),
        (MINUTES.encode("utf-16"), "utf-16"),  # with a byte-order mark
        (MINUTES.encode("utf-16-le"), "utf-16-le"),  # without one
        (MINUTES.encode("utf-16-be"), "utf-16-be"),
        (MINUTES.encode("cp874"), "tis-620"),
        (MINUTES.encode("tis-620"), "tis-620"),
    ],
)
def test_text_encodings_are_detected(data, encoding):
    text, enc = decode_bytes(data)
    assert enc == encoding
    assert text == MINUTES


def test_latin1_bytes_are_not_mistaken_for_tis620():
    # every byte decodes in cp874, but the result is not Thai: refuse instead of guessing
    data = "Protokoll der Sitzung: Geschäftsführer Müller, Änderung der Satzung, Übergabe".encode(
        "latin-1"
    )
    with pytest.raises(ArchiveReadError, match="TIS-620"):
        decode_bytes(data)


def test_binary_and_undecodable_bytes_are_refused():
    with pytest.raises(ArchiveReadError, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ArchiveReadError, match=r"undecodable|TIS-620"):
        decode_bytes(bytes([0xFC, 0xFD, 0xFE, 0xFF]) * 50)


def test_archive_of_mixed_files_yields_documents_and_failures(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_bytes(MINUTES.encode("cp874"))
    (tmp_path / "sub" / "b.md").write_text(MINUTES, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "broken.txt").write_bytes(b"\x00\x01\x02garbage\x00")
    (tmp_path / "fake.docx").write_bytes(b"this is not a zip file")
    (tmp_path / "notes.bin").write_bytes(b"ignored: not a known suffix")
    (tmp_path / ".hidden.txt").write_text("ignored", encoding="utf-8")
    items = list(iter_archive(tmp_path))
    docs = {d.doc_id: d for d in _docs(items)}
    fails = {f.doc_id: f for f in _fails(items)}
    assert set(docs) == {"a.txt", "empty.txt", "sub/b.md"}
    assert docs["a.txt"].encoding == "tis-620" and docs["a.txt"].text == MINUTES
    assert docs["empty.txt"].text == ""
    assert set(fails) == {"broken.txt", "fake.docx"}
    assert "binary" in fails["broken.txt"].message
    assert "damaged or truncated" in fails["fake.docx"].message


def test_docx_paragraphs_and_tables_in_order(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("รายงานการประชุมเครือข่ายผู้ประกอบการ")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "นายสมชาย รักดี"
    table.cell(0, 1).text = "ประธานกลุ่มทอผ้า"
    table.cell(1, 0).text = "นางสาวพร ศรีสุข"
    table.cell(1, 1).text = "เลขานุการ"
    d.add_paragraph("ที่ประชุมเสนอให้หาช่องทางขายผ้าไหมผ่านร้านค้าออนไลน์")
    path = tmp_path / "m.docx"
    d.save(path)
    assert read_docx(path).split("\n") == [
        "รายงานการประชุมเครือข่ายผู้ประกอบการ",
        "นายสมชาย รักดี\tประธานกลุ่มทอผ้า",
        "นางสาวพร ศรีสุข\tเลขานุการ",
        "ที่ประชุมเสนอให้หาช่องทางขายผ้าไหมผ่านร้านค้าออนไลน์",
    ]
    (doc,) = list(iter_archive(path))
    assert doc.format == "docx" and "ผ้าไหม" in doc.text


def test_csv_rows_are_documents_with_meta(tmp_path):
    rows = 'respondent_id,province,answer\r\n1,ยโสธร,อยากได้เงินทุนหมุนเวียน\r\n2,ศรีสะเกษ,"ค่าส่ง\nแพงมาก"\r\n,,\r\n'
    path = tmp_path / "survey.csv"
    path.write_bytes(codecs.BOM_UTF8 + rows.encode("utf-8"))
    docs = _docs(iter_archive(tmp_path))
    assert [d.doc_id for d in docs] == ["survey.csv#1", "survey.csv#2"]  # blank row skipped
    assert docs[1].text == "ค่าส่ง\nแพงมาก"
    assert docs[0].meta == {"respondent_id": "1", "province": "ยโสธร"}
    # an explicit column that is not there: one failure naming the columns
    (fail,) = list(iter_archive(tmp_path, text_column="comment"))
    assert isinstance(fail, ReadFailure) and "respondent_id" in fail.message


def test_csv_in_tis620_and_without_a_text_column(tmp_path):
    (tmp_path / "a.csv").write_bytes("id,ข้อความ\n1,ขอบคุณครับ\n".encode("cp874"))
    (tmp_path / "b.csv").write_text("id,score\n1,5\n", encoding="utf-8")
    items = list(iter_archive(tmp_path))
    (doc,) = _docs(items)
    assert doc.text == "ขอบคุณครับ" and doc.encoding == "tis-620"
    (fail,) = _fails(items)
    assert fail.path == "b.csv" and "--text-column" in fail.message


def test_xlsx_rows(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "ตอบแบบสอบถาม"
    ws.append(["ลำดับ", "จังหวัด", "ข้อเสนอแนะ"])
    ws.append([1, "น่าน", "อยากให้มีคนมาสอนถ่ายรูปสินค้าลงเพจ"])
    ws.append([2, "แพร่", None])
    path = tmp_path / "survey.xlsx"
    wb.save(path)
    docs = _docs(iter_archive(path))
    assert [d.text for d in docs] == ["อยากให้มีคนมาสอนถ่ายรูปสินค้าลงเพจ", ""]
    assert docs[0].doc_id == "survey.xlsx#ตอบแบบสอบถาม!2"
    assert docs[0].meta["จังหวัด"] == "น่าน"


def test_jsonl_and_gz_bad_lines_become_failures(tmp_path):
    lines = [
        json.dumps({"msg_id": "1", "message": "สอบถามเรื่องกู้เงินค่ะ"}, ensure_ascii=False),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"msg_id": "4", "message": 5}),
        "",
        json.dumps({"msg_id": "6", "message": "ส่งของไปต่างจังหวัดใช้ขนส่งไหนดีคะ"}, ensure_ascii=False),
    ]
    (tmp_path / "chat.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with gzip.open(tmp_path / "chat2.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write(lines[0] + "\n")
    items = list(iter_archive(tmp_path, text_field="message"))
    assert [d.doc_id for d in _docs(items)] == ["chat.jsonl#1", "chat.jsonl#6", "chat2.jsonl.gz#1"]
    assert [f.doc_id for f in _fails(items)] == ["chat.jsonl#2", "chat.jsonl#3", "chat.jsonl#4"]


def test_large_text_file_is_streamed_in_parts_that_rebuild_it(tmp_path):
    line = "ผู้แทนหอการค้าเสนอให้จัดงานแสดงสินค้าประจำปีในตัวจังหวัด\n"
    text = line * 400
    (tmp_path / "big.txt").write_bytes(text.encode("cp874"))
    docs = _docs(iter_archive(tmp_path, part_chars=1000))
    assert len(docs) > 10
    assert [d.part for d in docs] == list(range(len(docs)))
    assert "".join(d.text for d in docs) == text
    for d in docs:
        assert text[d.offset : d.offset + len(d.text)] == d.text
        assert d.text.endswith("\n")  # cut at line breaks
        assert d.encoding == "tis-620"


def test_file_that_disappears_is_a_failure(tmp_path):
    from thaisme_nlp.archive.readers import list_files

    (tmp_path / "a.txt").write_text(MINUTES, encoding="utf-8")
    (tmp_path / "b.txt").write_text(MINUTES, encoding="utf-8")
    files = list_files(tmp_path)
    (tmp_path / "a.txt").unlink()
    items = list(iter_archive(tmp_path, files=files))
    assert [type(x).__name__ for x in items] == ["ReadFailure", "Document"]
    assert "disappeared" in items[0].message


def _thai_pdf(path: Path, pages: list[str]) -> None:
    fpdf = pytest.importorskip("fpdf")
    import fontpkg_noto_sans_thai

    font = sorted((fontpkg_noto_sans_thai.ROOT / "files").glob("*.ttf"))[0]
    pdf = fpdf.FPDF()
    pdf.add_font("thai", fname=str(font))
    for text in pages:
        pdf.add_page()
        pdf.set_font("thai", size=14)
        pdf.multi_cell(0, 10, text)
    pdf.output(str(path))


def test_pdf_text_is_read_and_garbage_pages_flagged(tmp_path):
    good = "ที่ประชุมเสนอให้ธนาคารขยายเวลาชำระหนี้ให้วิสาหกิจชุมชน"
    garbage = "\uf70a\uf70b\uf710 (cid:12)(cid:13)(cid:14) \u0e48\u0e49 \ufffd\ufffd"
    path = tmp_path / "m.pdf"
    _thai_pdf(path, [good, garbage])
    (doc,) = list(iter_archive(path))
    assert isinstance(doc, Document), doc
    assert "ธนาคาร" in doc.text and "ขยายเวลาชำระหนี้" in doc.text
    assert doc.flags == ("garbage_pages:2",)


def test_garbage_score():
    assert garbage_score("ที่ประชุมรับทราบ") == 0.0
    assert garbage_score("(cid:3)(cid:4) \u0e49\u0e48") > 0.5
    assert garbage_score("") == 0.0
