import json
import zipfile

import pytest

from thaisme_nlp import ThemeClassifier, load_model
from thaisme_nlp.classify import MODEL_NAME
from thaisme_nlp.errors import ModelFileError, UntrustedModelError
from thaisme_nlp.persist import save_model

TEXTS = [
    "ขอสินเชื่อดอกเบี้ยต่ำ",
    "ค่าขนส่งแพงมาก",
    "เงินกู้อนุมัติช้า",
    "ของแตกระหว่างขนส่ง",
    "ขอบคุณทุกท่าน",
    "ปิดประชุมเวลา ๑๖.๐๐ น.",
] * 4
LABELS = [["financing"], ["logistics"], ["financing"], ["logistics"], [], []] * 4


@pytest.fixture(scope="module")
def tiny_codebook():
    from thaisme_nlp import Codebook

    full = Codebook.default().to_dict()
    full["themes"] = [t for t in full["themes"] if t["id"] in ("financing", "logistics")]
    return Codebook.from_dict(full)


@pytest.fixture(scope="module")
def saved(tmp_path_factory, tiny_codebook):
    clf = ThemeClassifier(codebook=tiny_codebook, cv=2, min_df=1).fit(TEXTS, LABELS)
    path = tmp_path_factory.mktemp("m") / "m.skops"
    meta = save_model(clf, path, corpus_hash="abc")
    return clf, path, meta


def test_round_trip_and_metadata(saved):
    clf, path, meta = saved
    again = load_model(path)
    probe = ["อยากได้สินเชื่อ", "ส่งของช้า"]
    assert (again.predict_proba(probe) == clf.predict_proba(probe)).all()
    m = again.metadata_
    assert m["name"] == MODEL_NAME and m["model_id"] == meta["model_id"]
    assert m["codebook"]["hash"] == clf.codebook_.hash
    assert m["tokenizer"]["engine"] == "nlpo3" and len(m["tokenizer"]["dictionary_hash"]) == 64
    assert {"pythainlp", "scikit-learn", "nlpo3", "thaisme_nlp"} <= set(m["versions"])
    assert m["corpus_hash"] == "abc" and "macro_f1" in m["cv_metrics"]
    json.dumps(m)


def test_same_training_same_model_id(saved, tmp_path, tiny_codebook):
    _, _, meta = saved
    clf2 = ThemeClassifier(codebook=tiny_codebook, cv=2, min_df=1).fit(TEXTS, LABELS)
    assert save_model(clf2, tmp_path / "b.skops")["model_id"] == meta["model_id"]


class Payload:
    """Stands for any type a stranger's file could carry (its __setstate__ could run code)."""

    def __init__(self):
        self.x = 1


def test_untrusted_type_is_refused(tmp_path, saved):
    import skops.io as sio

    clf, _, _ = saved
    p = tmp_path / "evil.skops"
    clf.payload_ = Payload()
    try:
        sio.dump(clf, p)
    finally:
        del clf.payload_
    with pytest.raises(UntrustedModelError, match="Payload"):
        load_model(p)


def test_not_a_model_file(tmp_path):
    p = tmp_path / "x.skops"
    p.write_bytes(b"not a zip at all")
    with pytest.raises(ModelFileError, match="not a readable"):
        load_model(p)
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "missing.skops")


def test_truncated_file(saved, tmp_path):
    _, path, _ = saved
    data = path.read_bytes()
    p = tmp_path / "cut.skops"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError):
        load_model(p)


def test_tampered_schema(saved, tmp_path):
    _, path, _ = saved
    p = tmp_path / "tampered.skops"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(p, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "schema.json":
                data = data.replace(b"ThemeClassifier", b"ThemeClassifierX")
            dst.writestr(item, data)
    with pytest.raises(ModelFileError):
        load_model(p)


def test_other_skops_object_is_not_a_model(tmp_path):
    import skops.io as sio

    p = tmp_path / "list.skops"
    sio.dump([1, 2, 3], p)
    with pytest.raises(ModelFileError, match="not a ThemeClassifier"):
        load_model(p)
