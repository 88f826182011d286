"""The batch job end to end: rows and provenance, resume, incremental re-runs, output formats,
process pool and Dask equal to the local run, and a real kill -9 in the middle of a run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from thaisme_nlp.archive import diff_runs, tag_archive
from thaisme_nlp.archive.readers import decode_bytes
from thaisme_nlp.errors import OutputError

ROOT = Path(__file__).resolve().parents[1]
FEEDBACK = ROOT / "corpora" / "feedback" / "feedback.jsonl"
KEY = ["doc_id", "statement_index"]


def _texts(n: int, skip: int = 0) -> list[str]:
    out = []
    with FEEDBACK.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= skip:
                out.append(json.loads(line)["text"])
            if len(out) == n:
                break
    return out


def make_archive(root: Path, n_files: int = 12, per_file: int = 4, skip: int = 0) -> Path:
    """Files of a few corpus statements each, in UTF-8 and TIS-620, plus one broken file."""
    texts = _texts(n_files * per_file, skip)
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n_files):
        body = "\n".join(texts[i * per_file : (i + 1) * per_file]) + "\n"
        name = root / f"{2565 + i % 4}-0{1 + i % 9}-1{i % 10}_doc{i:03d}.txt"
        if i % 3 == 2:
            name.write_bytes(body.encode("cp874", errors="replace"))
        else:
            name.write_text(body, encoding="utf-8")
    (root / "zz_broken.txt").write_bytes(b"\x00\xffPK\x03\x04 not text")
    return root


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(KEY, kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return make_archive(tmp_path_factory.mktemp("archive") / "minutes")


@pytest.fixture(scope="module")
def reference(archive, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "tags.parquet"
    return tag_archive(archive, out, progress=False)


def test_rows_slice_the_files_and_carry_provenance(archive, reference):
    st = reference.statements()
    docs = reference.documents()
    assert reference.n_files == 13 and reference.n_documents == 12
    assert len(reference.failures) == 1 and reference.failures[0].path == "zz_broken.txt"
    assert reference.rows["errors"] == 1 and len(reference.errors()) == 1
    for r in st.itertuples():
        text, _ = decode_bytes((archive / r.path).read_bytes())
        assert text[r.start : r.end] == r.text
        for theme, spans in (json.loads(r.evidence) if r.evidence else {}).items():
            assert theme in r.themes
            for e in spans:
                assert text[e["start"] : e["end"]] == e["text"]
    for col in (
        "model_id",
        "codebook_version",
        "tokenizer_engine",
        "dictionary_hash",
        "library_version",
        "statement_hash",
    ):
        assert st[col].map(bool).all(), col
    assert set(st["model_id"]) == {reference.model_id}
    assert st["statement_hash"].nunique() > 0.9 * len(st)
    # document rows add up
    assert docs["n_statements"].sum() == len(st)
    counts = st.explode("themes").dropna(subset=["themes"]).groupby("themes").size()
    for theme, n in counts.items():
        assert docs[f"count_{theme}"].sum() == n
    assert (st["themes"].map(len) > 0).sum() > 0.4 * len(
        st
    )  # corpus statements mostly carry themes
    assert set(docs.loc[docs["path"].str.endswith(("2_doc002.txt",)), "encoding"]) <= {"tis-620"}


def test_rerun_skips_everything_and_changes_nothing(archive, reference, tmp_path):
    out = reference.paths["statements"]
    again = tag_archive(archive, out, progress=False)
    assert again.n_tagged == 0 and again.n_skipped == 12
    pd.testing.assert_frame_equal(_sorted(again.statements()), _sorted(reference.statements()))


def test_incremental_run_redoes_only_changed_documents(tmp_path):
    root = make_archive(tmp_path / "a", n_files=6)
    out = tmp_path / "tags.csv"
    first = tag_archive(root, out, progress=False)
    first_st, first_docs = first.statements(), first.documents()  # the files are rewritten below
    victim = sorted(root.glob("*doc001.txt"))[0]
    victim.write_text("ขอให้รัฐช่วยหาตลาดส่งออกผลไม้แปรรูปไปจีน\n", encoding="utf-8")
    sorted(root.glob("*doc004.txt"))[0].unlink()
    (root / "new.txt").write_text("ค่าขนส่งห้องเย็นแพงมาก\n", encoding="utf-8")
    second = tag_archive(root, out, progress=False)
    assert second.n_tagged == 2 and second.n_skipped == 4  # changed + new; 4 untouched
    st = second.statements()
    assert set(st["path"]) == {p.relative_to(root).as_posix() for p in root.glob("*.txt")} - {
        "zz_broken.txt"
    }
    changed = st[st["path"] == victim.name]
    assert changed["text"].tolist() == ["ขอให้รัฐช่วยหาตลาดส่งออกผลไม้แปรรูปไปจีน"]
    assert not st.duplicated(KEY).any()
    assert len(second.documents()) == len(first_docs)  # one removed, one added
    # the diff of the two runs names exactly the edited/added/removed documents
    d = diff_runs(first_st, st)
    removed = next(p for p in first_st["doc_id"] if "doc004" in p)
    assert set(d.changes["doc_id"]) == {victim.name, "new.txt", removed}
    assert set(d.changes["change"]) == {"only_old", "only_new"}


@pytest.mark.parametrize("ext", [".csv", ".jsonl"])
def test_every_output_format_holds_the_same_rows(archive, reference, tmp_path, ext):
    other = tag_archive(archive, tmp_path / f"tags{ext}", progress=False)
    a, b = _sorted(reference.statements()), _sorted(other.statements())
    assert list(a.columns) == list(b.columns)
    assert a["themes"].tolist() == b["themes"].tolist()
    assert a["text"].tolist() == b["text"].tolist()
    assert (a["start"] == b["start"]).all() and (a["end"] == b["end"]).all()
    pd.testing.assert_series_equal(a["score_financing"], b["score_financing"].astype(float))
    assert len(other.errors()) == 1


def test_bad_output_path_is_a_clear_error(archive, tmp_path):
    with pytest.raises(OutputError, match="extension"):
        tag_archive(archive, tmp_path / "tags.xlsx", progress=False)


def test_in_memory_run_returns_frames(archive, reference):
    res = tag_archive(archive, progress=False, evidence=False)
    assert res.paths is None
    a, b = _sorted(reference.statements()), _sorted(res.statements())
    assert a["themes"].tolist() == b["themes"].tolist()
    assert (b["evidence"] == "").all()


def test_process_pool_equals_local(archive, reference, tmp_path):
    res = tag_archive(archive, tmp_path / "tags.parquet", jobs=2, batch_docs=2, progress=False)
    pd.testing.assert_frame_equal(_sorted(res.statements()), _sorted(reference.statements()))
    pd.testing.assert_frame_equal(
        res.documents().sort_values("doc_id").reset_index(drop=True),
        reference.documents().sort_values("doc_id").reset_index(drop=True),
    )


def test_dask_local_cluster_equals_local(archive, reference, tmp_path, monkeypatch):
    distributed = pytest.importorskip("dask.distributed")
    # LocalCluster writes OMP_NUM_THREADS=1 and friends into this process's environment;
    # keep them from leaking into later tests (they change OpenBLAS's rounding)
    for key in list(os.environ):
        monkeypatch.setenv(key, os.environ[key])
    for key in (
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MALLOC_TRIM_THRESHOLD_",
        "PYTHONHASHSEED",
        "__DASK_PARENT_PID",
    ):
        monkeypatch.delenv(key, raising=False)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        res = tag_archive(
            archive, tmp_path / "tags.parquet", scheduler=client, batch_docs=3, progress=False
        )
        assert len(client.scheduler_info()["workers"]) == 2
    pd.testing.assert_frame_equal(_sorted(res.statements()), _sorted(reference.statements()))
    pd.testing.assert_frame_equal(
        res.documents().sort_values("doc_id").reset_index(drop=True),
        reference.documents().sort_values("doc_id").reset_index(drop=True),
    )


@pytest.mark.slow
def test_kill_9_mid_run_then_resume_loses_and_duplicates_nothing(tmp_path):
    root = make_archive(tmp_path / "big", n_files=150, per_file=3)
    out = tmp_path / "tags.parquet"
    chunks = Path(str(out) + ".chunks")
    env = {**os.environ, "PYTHAINLP_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "thaisme_nlp.cli",
            "tag",
            str(root),
            "--out",
            str(out),
            "--batch-docs",
            "1",
            "--quiet",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if chunks.exists() and len(list(chunks.glob("*.done"))) >= 20:
            break
        time.sleep(0.01)
    assert proc.poll() is None, (
        "the run ended before it could be killed: " + proc.stderr.read().decode()
    )
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    committed = len(list(chunks.glob("*.done")))
    assert not out.exists()  # killed before assembling

    resumed = tag_archive(root, out, progress=False)
    assert resumed.n_skipped >= committed - 1 and resumed.n_skipped < 150
    assert resumed.n_tagged + resumed.n_skipped == 150
    fresh = tag_archive(root, tmp_path / "fresh.parquet", progress=False)
    a, b = _sorted(resumed.statements()), _sorted(fresh.statements())
    assert not a.duplicated(KEY).any()
    pd.testing.assert_frame_equal(a, b)
    assert len(resumed.documents()) == 150
    assert list(chunks.glob("*.tmp")) == []


def test_cli_tag_on_the_sample_archive_then_diff(tmp_path, capsys):
    """The README's main job: every file of corpora/minutes is tagged or reported."""
    from thaisme_nlp.archive.readers import list_files
    from thaisme_nlp.cli import main

    archive = ROOT / "corpora" / "minutes"
    out = tmp_path / "minutes.parquet"
    assert main(["tag", str(archive), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "2566-10-05_yala_committee.docx" in printed and "damaged or truncated" in printed
    docs = pd.read_parquet(tmp_path / "minutes.documents.parquet")
    errors = pd.read_parquet(tmp_path / "minutes.errors.parquet")
    files = {p.relative_to(archive).as_posix() for p in list_files(archive)}
    assert len(files) >= 32  # 29 minutes, a survey export, a chat export, one broken file
    assert set(docs["path"]) | set(errors["path"]) == files
    assert list(errors["path"]) == ["2566-10-05_yala_committee.docx"]
    by_format = docs.groupby("format").size()
    assert by_format["docx"] >= 5 and by_format["csv"] >= 60 and by_format["jsonl"] >= 50
    assert (docs["encoding"] == "tis-620").sum() >= 5
    st = pd.read_parquet(out)
    assert len(st) > 1500 and (st["themes"].map(len) > 0).mean() > 0.2
    # a statement that plainly asks for credit is tagged financing in every run
    assert st["themes"].map(lambda t: "financing" in t).sum() > 50

    # diff against a run with a stricter single threshold: only removals, counted per theme
    strict = tmp_path / "strict.parquet"
    res = tag_archive(archive, strict, progress=False, evidence=False)
    st2 = res.statements()
    st2["themes"] = [
        [t for t in ts if s >= 0.8]
        for ts, s in zip(st2["themes"], st2[[c for c in st2 if c.startswith("score_")]].max(axis=1))
    ]
    st2.to_parquet(strict)
    assert main(["diff", str(out), str(strict), "--out", str(tmp_path / "changes.csv")]) == 0
    text = capsys.readouterr().out
    assert "themes changed on" in text
    changes = pd.read_csv(tmp_path / "changes.csv")
    per = pd.read_csv(tmp_path / "changes.themes.csv")
    assert len(changes) > 0 and (per["gained"] == 0).all() and per["lost"].sum() > 0


def test_rows_agree_with_classify_feedback(reference):
    """The batch path scores statements itself (vectorized, duplicates once); it must give
    exactly what classify_feedback gives each statement."""
    from thaisme_nlp import classify_feedback

    st = reference.statements().head(60)
    results = classify_feedback(st["text"].tolist())
    for row, r in zip(st.itertuples(), results):
        assert list(row.themes) == r.theme_ids
        for c, v in r.scores.items():
            assert getattr(row, f"score_{c}") == pytest.approx(v, abs=1e-6)
        ev = json.loads(row.evidence) if row.evidence else {}
        expected = {
            t.id: [(row.start + e.start, row.start + e.end, e.text) for e in t.evidence]
            for t in r.themes
            if t.evidence
        }
        assert {
            t: [(e["start"], e["end"], e["text"]) for e in v] for t, v in ev.items()
        } == expected


def test_one_run_per_output_and_stale_locks_are_taken_over(archive, tmp_path):
    out = tmp_path / "tags.parquet"
    chunks = Path(str(out) + ".chunks")
    chunks.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (chunks / "LOCK").write_text(str(sleeper.pid))
        with pytest.raises(OutputError, match="another run"):
            tag_archive(archive, out, progress=False)
    finally:
        sleeper.kill()
        sleeper.wait()
    res = tag_archive(archive, out, progress=False)  # the holder is gone: lock taken over
    assert res.n_tagged == 12 and not (chunks / "LOCK").exists()


def test_a_document_the_classifier_cannot_tag_is_an_error_row_not_a_crash(
    archive, tmp_path, monkeypatch
):
    import thaisme_nlp.archive.rows as rows

    (victim,) = sorted(archive.glob("*doc005.txt"))
    real = rows.iter_statements
    victim_text, _ = decode_bytes(victim.read_bytes())

    def flaky(text, **kw):
        if text == victim_text:
            raise RuntimeError("simulated failure inside the classifier")
        return real(text, **kw)

    monkeypatch.setattr(rows, "iter_statements", flaky)
    out = tmp_path / "tags.parquet"
    res = tag_archive(archive, out, progress=False, batch_docs=4)
    errs = res.errors()
    assert set(errs["path"]) == {"zz_broken.txt", victim.name}
    assert "simulated failure" in errs.loc[errs["path"] == victim.name, "message"].item()
    assert victim.name not in set(res.documents()["path"])
    assert len(res.documents()) == 11  # the other documents of its batch were tagged
    monkeypatch.setattr(rows, "iter_statements", real)
    again = tag_archive(archive, out, progress=False)  # retried, now tagged
    assert again.n_tagged == 1 and len(again.documents()) == 12


def test_unsaved_models_get_distinct_ids_so_runs_never_mix():
    import copy

    from thaisme_nlp import load_model
    from thaisme_nlp.archive.rows import provenance

    a = copy.deepcopy(load_model())
    a.metadata_ = {}
    b = copy.deepcopy(a)
    b.coef_ = b.coef_ * 1.01
    ida, idb = provenance(a)["model_id"], provenance(b)["model_id"]
    assert ida.startswith("unsaved@") and idb.startswith("unsaved@") and ida != idb


def test_cli_reports_bad_arguments_without_a_traceback(archive, tmp_path, capsys):
    from thaisme_nlp.cli import main

    assert main(["tag", str(archive), "--out", str(tmp_path / "t.xlsx"), "--quiet"]) == 2
    assert main(["tag", str(archive), "--out", str(tmp_path / "t.csv"), "--jobs", "0"]) == 2
    assert main(["tag", str(tmp_path / "nowhere"), "--out", str(tmp_path / "t.csv")]) == 2
    assert main(["diff", str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")]) == 2
    err = capsys.readouterr().err
    assert "extension" in err and "jobs must be >= 1" in err and "not found" in err
