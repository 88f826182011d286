"""Hostile archives for the batch job: one 200 MB text file, and 100,000 tiny files.

Both are built from real text (the thaigov-v2-sme archive) in a temporary folder, tagged with
``thaisme-nlp tag --jobs 2 --no-evidence`` in a subprocess whose process-tree memory is
sampled, then checked: every statement of the big file slices back out of it and no
statement is duplicated; every tiny file has exactly one document row.

    python benchmarks/bench_tag_stress.py [--mb 200] [--files 100000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import tempfile
from pathlib import Path

import pandas as pd
from bench_tag import ARCHIVE, run_tag


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--files", type=int, default=100_000)
    args = ap.parse_args()
    with gzip.open(ARCHIVE, "rt", encoding="utf-8") as f:
        texts = [json.loads(x)["text"] for x in f]
    tmp = Path(tempfile.mkdtemp(prefix="bench-stress-"))
    try:
        big = tmp / "big" / "minutes-archive.txt"
        big.parent.mkdir()
        with big.open("w", encoding="utf-8") as f:
            size, i = 0, 0
            while size < args.mb * 2**20:
                t = texts[i % len(texts)] + "\n"
                f.write(t)
                size += len(t.encode("utf-8"))
                i += 1
        r = run_tag(big.parent, tmp / "big-out" / "tags.parquet", "--jobs", "2", "--no-evidence")
        st = pd.read_parquet(tmp / "big-out" / "tags.parquet", columns=["start", "end", "text"])
        whole = big.read_text(encoding="utf-8")
        ok = all(whole[s:e] == t for s, e, t in zip(st["start"], st["end"], st["text"]))
        dup = st.duplicated(["start", "end"]).sum()
        print(
            f"one {big.stat().st_size / 2**20:.0f} MB file ({len(whole):,} chars): "
            f"{r['seconds']:.1f} s, {r['statements']:,} statements in {r['documents']} parts, "
            f"peak {r['peak_rss_mib']:.0f} MiB; spans slice back: {ok}; duplicates: {dup}"
        )
        del whole, st

        small = tmp / "small"
        small.mkdir()
        k = 0
        for t in texts:
            for line in t.split("\n"):
                if len(line) > 20 and k < args.files:
                    d = small / f"{k // 1000:03d}"
                    d.mkdir(exist_ok=True)
                    (d / f"{k:06d}.txt").write_text(line[:200], encoding="utf-8")
                    k += 1
            if k >= args.files:
                break
        r = run_tag(small, tmp / "small-out" / "tags.parquet", "--jobs", "2", "--no-evidence")
        docs = pd.read_parquet(tmp / "small-out" / "tags.documents.parquet", columns=["doc_id"])
        print(
            f"{k:,} tiny files: {r['seconds']:.1f} s ({r['docs_per_s']:.0f} docs/s), "
            f"peak {r['peak_rss_mib']:.0f} MiB; document rows {len(docs):,}, "
            f"unique {docs['doc_id'].nunique():,}"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
