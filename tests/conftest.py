"""Test set-up: no network, and paths to the shared real datasets."""

from __future__ import annotations

import os
from pathlib import Path

# An accidental download in PyThaiNLP fails at once instead of hanging or succeeding.
os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

import pytest

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).resolve().parent / "cases"
DATASETS = Path(os.environ.get("THAISME_DATASETS", ROOT.parent / "shared" / "datasets"))
THAIGOV = DATASETS / "thaigov-v2-sme" / "thaigov_v2_sme.jsonl.gz"
WISESIGHT = DATASETS / "wisesight-sentiment"


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"dataset not available: {path}")
    return path


def thaigov_docs(limit: int | None = None) -> list[dict]:
    import gzip
    import json

    out = []
    with gzip.open(require(THAIGOV), "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                break
            out.append(json.loads(line))
    return out
