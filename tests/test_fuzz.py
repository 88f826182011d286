"""Fuzzing: every saved input replays as a regression case; a bounded atheris run (marked
``fuzz``) explores new ones and reports how many it tried."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fuzz"))
from targets import one_input, text_of

CASES = Path(__file__).resolve().parent / "cases" / "fuzz"
FUZZ_SECONDS = int(os.environ.get("THAISME_FUZZ_SECONDS", "30"))


@pytest.mark.parametrize("case", sorted(CASES.iterdir()), ids=lambda p: p.name)
def test_saved_fuzz_inputs_replay_cleanly(case):
    one_input(case.read_bytes())


def test_text_of_covers_each_decoding():
    assert text_of(b"\x00" + "ทุน".encode()) == "ทุน"
    assert "\ud800" in text_of(b"\x01\x00\xd8")  # lone surrogate kept
    assert text_of(b"\x02" + "ค่าส่ง".encode("cp874")) == "ค่าส่ง"
    assert text_of(b"\x03\x01\x48") == "\u0e01\u0e48"


@pytest.mark.fuzz
def test_atheris_bounded_run(tmp_path, record_property):
    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    shutil.copytree(CASES, corpus)  # libFuzzer adds what it finds here, not to the repo
    env = {
        **os.environ,
        "PYTHAINLP_OFFLINE": "1",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    proc = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve().parent / "fuzz" / "fuzz_text.py"),
            f"-max_total_time={FUZZ_SECONDS}",
            "-timeout=10",
            "-rss_limit_mb=4096",
            f"-artifact_prefix={tmp_path}/",
            str(corpus),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=FUZZ_SECONDS + 300,
    )
    crashes = sorted(
        p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-"))
    )
    assert proc.returncode == 0 and not crashes, (
        f"fuzzing found {crashes}: copy them into tests/cases/fuzz/ and fix\n" + proc.stderr[-3000:]
    )
    runs = int(re.search(r"Done (\d+) runs", proc.stderr).group(1))
    record_property("fuzz_runs", runs)
    print(f"\natheris: {runs} inputs in {FUZZ_SECONDS} s, no crash, no hang")
    assert runs > 100
