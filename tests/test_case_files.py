"""The data-driven case files themselves are well formed."""

import json

import pytest
from conftest import CASES


@pytest.mark.parametrize("name", ["normalize.json", "segment.json"])
def test_case_file_shape(name):
    cases = json.loads((CASES / name).read_text(encoding="utf-8"))
    assert len(cases) >= 10
    texts = [c["text"] for c in cases]
    assert len(set(texts)) == len(texts), "duplicate case"
    for c in cases:
        assert set(c) <= {"text", "expected", "note", "known_failure"}
        assert isinstance(c["text"], str)
        assert c["note"].strip(), "every case says why it is there"
        if name == "segment.json":
            assert isinstance(c["expected"], list)
            # an expected statement must be a slice of the input
            for e in c["expected"]:
                assert e in c["text"]
