"""The command line, the shipped default model, and the package as installed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from thaisme_nlp import load_model
from thaisme_nlp.cli import main
from thaisme_nlp.persist import DEFAULT_BUNDLE_FILE, DEFAULT_MODEL_FILE, load_bundle
from thaisme_nlp.resources import data_path

EXAMPLE = "อยากให้ธนาคารอนุมัติสินเชื่อเร็วขึ้น และช่วยหาช่องทางขายออนไลน์"
MINUTES = ROOT / "corpora/minutes/2567-03-14_ubon_consultation.txt"


def test_default_model_ships_in_the_package_and_is_small():
    skops_file = data_path(DEFAULT_MODEL_FILE)
    assert skops_file.stat().st_size <= 20 * 2**20
    assert data_path(DEFAULT_BUNDLE_FILE).stat().st_size <= 20 * 2**20
    assert (ROOT / "models" / DEFAULT_MODEL_FILE).resolve() == skops_file.resolve()


def test_bundle_and_skops_file_are_the_same_model():
    from_skops = load_model(data_path(DEFAULT_MODEL_FILE))
    from_bundle = load_bundle(data_path(DEFAULT_BUNDLE_FILE))
    assert from_skops.model_id == from_bundle.model_id
    rows = [
        json.loads(x) for x in (ROOT / "corpora/feedback/feedback.jsonl").open(encoding="utf-8")
    ]
    texts = [r["text"] for r in rows[::10]] + [EXAMPLE]
    np.testing.assert_allclose(from_skops.predict_proba(texts), from_bundle.predict_proba(texts))


def test_tampered_bundle_is_refused(tmp_path):
    data = dict(np.load(data_path(DEFAULT_BUNDLE_FILE), allow_pickle=False))
    key = next(k for k, v in data.items() if k != "__tree__" and v.dtype == np.float32)
    data[key] = data[key] * 1.01
    p = tmp_path / "t.npz"
    np.savez(p, **data)
    from thaisme_nlp.errors import ModelFileError

    with pytest.raises(ModelFileError, match="do not match"):
        load_bundle(p)


def test_model_card_lists_the_shipped_model():
    card = (ROOT / "models/README.md").read_text(encoding="utf-8")
    assert load_model().model_id in card


def test_cli_classify_file(capsys):
    assert main(["classify", "--file", str(MINUTES)]) == 0
    out = capsys.readouterr()
    assert "financing" in out.out and "statements" in out.err


def test_cli_classify_json(capsys):
    assert main(["classify", "--json", EXAMPLE]) == 0
    d = json.loads(capsys.readouterr().out.strip().splitlines()[0])
    assert {"financing", "online_marketing"} <= {t["id"] for t in d["themes"]}


def test_cli_keywords(capsys):
    assert main(["keywords", str(MINUTES), "--top", "5"]) == 0
    assert "keyphrases" in capsys.readouterr().out


def test_cli_train_small(tmp_path, capsys):
    rows = [
        json.loads(x) for x in (ROOT / "corpora/feedback/feedback.jsonl").open(encoding="utf-8")
    ]
    small = tmp_path / "small.jsonl"
    small.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[::3]), encoding="utf-8"
    )
    out = tmp_path / "m.skops"
    assert main(["train", "--corpus", str(small), "--out", str(out)]) == 0
    assert "macro-F1" in capsys.readouterr().out
    m = load_model(out)
    assert m.metadata_["n_train"] == len(rows[::3])


@pytest.mark.slow
def test_default_model_is_rebuilt_exactly(tmp_path):
    """Same corpus, same settings, same library versions -> the same model id."""
    import importlib.metadata as md

    shipped = load_model()
    versions = shipped.metadata_["versions"]
    for pkg in ("scikit-learn", "numpy", "scipy", "pythainlp", "nlpo3"):
        if md.version(pkg) != versions[pkg]:
            pytest.skip(f"{pkg} {md.version(pkg)} differs from the model's {versions[pkg]}")
    out = tmp_path / "again.skops"
    # in a fresh process, as a user runs it: the liblinear solver calls OpenBLAS, whose rounding
    # depends on state set at start-up (thread variables that other tests, e.g. Dask's
    # LocalCluster, leave in this process) — see the model card
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    }
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "thaisme_nlp.cli",
            "train",
            "--corpus",
            str(ROOT / "corpora/feedback/feedback.jsonl"),
            "--out",
            str(out),
        ],
        check=True,
        env=env,
        capture_output=True,
        timeout=900,
    )
    assert load_model(out).model_id == shipped.model_id


def test_installed_package_works_outside_the_repo(tmp_path):
    """CI installs the package (not editable): it must work from any folder, offline."""
    import importlib.util

    origin = Path(importlib.util.find_spec("thaisme_nlp").origin).resolve()
    if ROOT in origin.parents and not os.environ.get("CI"):
        pytest.skip("running from the source tree; CI runs this against the installed package")
    code = (
        "from thaisme_nlp import Tokenizer, classify_feedback\n"
        "import thaisme_nlp, json\n"
        f"assert {str(ROOT)!r} not in thaisme_nlp.__file__, thaisme_nlp.__file__\n"
        "for e in ('nlpo3', 'newmm'):\n"
        "    t = Tokenizer(e)('วิสาหกิจชุมชนอยากขายผ่านอีคอมเมิร์ซและตลาดออนไลน์')\n"
        "    assert {'วิสาหกิจชุมชน', 'อีคอมเมิร์ซ', 'ตลาดออนไลน์'} <= set(t), t\n"
        f"r = classify_feedback({EXAMPLE!r})\n"
        "assert {'financing', 'online_marketing'} <= set(r.theme_ids), r.theme_ids\n"
        "for th in r.themes:\n"
        "    assert th.evidence and all(r.text[e.start:e.end] == e.text for e in th.evidence)\n"
        "print('ok', thaisme_nlp.__file__)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHAINLP_OFFLINE"] = "1"
    res = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("ok")
