"""End-to-end batch re-tagging of the real thaigov-v2-sme archive (3,939 documents, 38 M chars).

Runs ``thaisme-nlp tag`` as a fresh subprocess (so start-up and worker start are counted) and
samples the resident memory of its whole process tree (main process + workers) every 50 ms:

- the full archive and its first half, 2 workers, without evidence spans (pure tagging) —
  time, documents/s, peak memory, and the full/half memory ratio (target ≤ 1.2: streaming);
- the full archive with evidence spans, and with 1 worker (how the pool scales);
- in the same run, raw nlpo3 tokenization of the same text on one core (the ratio reported).

Target: full archive ≤ 20 s on 2 cores.

    python benchmarks/bench_tag.py [--json OUT] [--skip-evidence]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared/datasets/thaigov-v2-sme/thaigov_v2_sme.jsonl.gz"


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def run_tag(archive: Path, out: Path, *extra: str) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "thaisme_nlp.cli",
        "tag",
        str(archive),
        "--out",
        str(out),
        "--quiet",
        *extra,
    ]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, tree_rss(ps))
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - t0
    stdout, stderr = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"tag failed ({proc.returncode}):\n{stderr}")
    first = stdout.splitlines()[0]
    docs = int(first.split("documents ")[1].split(" ")[0].replace(",", ""))
    stm = int(first.split("statements ")[1].split(" ")[0].replace(",", ""))
    return {
        "seconds": seconds,
        "peak_rss_mib": peak / 2**20,
        "documents": docs,
        "statements": stm,
        "docs_per_s": docs / seconds,
    }


def raw_nlpo3_seconds(texts: list[str]) -> float:
    import nlpo3

    from thaisme_nlp import Tokenizer
    from thaisme_nlp.text.tokenize import _write_dict_file

    tok = Tokenizer()
    tok("วิสาหกิจชุมชน")
    nlpo3.load_dict(str(_write_dict_file(tok._source_key(), tok.words)), "bench-raw")
    t = time.perf_counter()
    for d in texts:
        nlpo3.segment(d, "bench-raw")
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", type=Path)
    ap.add_argument("--skip-evidence", action="store_true")
    args = ap.parse_args()
    if not ARCHIVE.exists():
        raise SystemExit(f"dataset not found: {ARCHIVE}")

    with gzip.open(ARCHIVE, "rt", encoding="utf-8") as f:
        lines = f.readlines()
    texts = [json.loads(x)["text"] for x in lines]
    chars = sum(map(len, texts))
    tmp = Path(tempfile.mkdtemp(prefix="bench-tag-"))
    try:
        half = tmp / "half.jsonl.gz"
        with gzip.open(half, "wt", encoding="utf-8") as f:
            f.writelines(lines[: len(lines) // 2])
        half_chars = sum(map(len, texts[: len(lines) // 2]))

        raw = raw_nlpo3_seconds(texts)
        print(f"raw nlpo3.segment, 1 core: {raw:.2f} s  {chars / raw / 1e6:.2f} M chars/s")

        runs = {}
        plan = [
            ("full, 2 workers, no evidence", ARCHIVE, ["--jobs", "2", "--no-evidence"], chars),
            ("half, 2 workers, no evidence", half, ["--jobs", "2", "--no-evidence"], half_chars),
            ("full, 1 worker, no evidence", ARCHIVE, ["--jobs", "1", "--no-evidence"], chars),
        ]
        if not args.skip_evidence:
            plan.append(("full, 2 workers, with evidence", ARCHIVE, ["--jobs", "2"], chars))
        for i, (label, path, extra, n_chars) in enumerate(plan):
            r = run_tag(path, tmp / f"run{i}" / "tags.parquet", *extra)
            r["chars_per_s"] = n_chars / r["seconds"]
            r["vs_raw_nlpo3"] = (n_chars / r["seconds"]) / (chars / raw)
            runs[label] = r
            print(
                f"{label:<34} {r['seconds']:7.1f} s  {r['docs_per_s']:7.1f} docs/s  "
                f"{r['statements']:,} statements  peak {r['peak_rss_mib']:7.0f} MiB  "
                f"{r['vs_raw_nlpo3']:.2f} x raw nlpo3 (1 core)"
            )
        ratio = (
            runs["full, 2 workers, no evidence"]["peak_rss_mib"]
            / runs["half, 2 workers, no evidence"]["peak_rss_mib"]
        )
        full = runs["full, 2 workers, no evidence"]["seconds"]
        print(f"peak memory full / half: {ratio:.2f} (target <= 1.2)")
        print(
            f"full archive, 2 workers: {full:.1f} s (target <= 20 s): "
            f"{'met' if full <= 20 else 'NOT met'}"
        )
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
                        "chars": chars,
                        "raw_nlpo3_seconds": raw,
                        "runs": runs,
                        "memory_full_over_half": ratio,
                    },
                    indent=2,
                )
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
