"""Text-pipeline throughput on the real thaigov-v2-sme archive (3,939 documents, 38 M chars).

Prints chars/s for: segment; segment + Tokenizer() end to end; raw nlpo3 (nlpo3.segment on
whole documents, same dictionary as the Tokenizer, so the comparison is of our overhead only);
raw ``pythainlp.word_tokenize(engine="nlpo3")``; and raw ``word_tokenize(engine="newmm")`` on a
sample (newmm at ~1 M chars/s would take minutes on the whole archive and slows down
superlinearly on long documents). Target: segment + Tokenizer >= 0.8 x raw nlpo3.

    python benchmarks/bench_text.py [--docs N] [--json OUT]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

ARCHIVE = (
    Path(__file__).resolve().parents[2] / "shared/datasets/thaigov-v2-sme/thaigov_v2_sme.jsonl.gz"
)


def load(n: int | None) -> list[str]:
    with gzip.open(ARCHIVE, "rt", encoding="utf-8") as f:
        docs = [json.loads(line)["text"] for line in f]
    return docs[:n] if n else docs


def timed(fn):  # best of one run: the archive is large enough to be stable
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=None)
    ap.add_argument("--newmm-docs", type=int, default=300)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    import nlpo3
    from pythainlp import word_tokenize

    from thaisme_nlp import Tokenizer, segment
    from thaisme_nlp.text.tokenize import _write_dict_file

    docs = load(args.docs)
    chars = sum(map(len, docs))
    tok = Tokenizer()
    tok("วิสาหกิจชุมชน")  # load the dictionary outside the timings (reported separately)
    word_tokenize("ทดสอบ", engine="nlpo3")
    name = "bench-raw"  # the very same dictionary file the Tokenizer loaded
    nlpo3.load_dict(str(_write_dict_file(tok._source_key(), tok.words)), name)

    rows = []

    def record(label: str, seconds: float, n_chars: int, extra: str = "") -> None:
        rows.append(
            {
                "what": label,
                "seconds": round(seconds, 2),
                "chars": n_chars,
                "chars_per_s": round(n_chars / seconds),
                "note": extra,
            }
        )
        print(f"{label:<48} {seconds:7.2f} s  {n_chars / seconds / 1e6:6.2f} M chars/s  {extra}")

    s_seg, n_st = timed(lambda: sum(len(segment(d)) for d in docs))
    record("segment", s_seg, chars, f"{n_st} statements")
    s_raw, n_tok = timed(lambda: sum(len(nlpo3.segment(d, name)) for d in docs))
    record("raw nlpo3.segment (whole documents)", s_raw, chars, f"{n_tok} tokens incl. spaces")
    s_wt, _ = timed(lambda: sum(len(word_tokenize(d, engine="nlpo3")) for d in docs))
    record("raw word_tokenize(engine='nlpo3')", s_wt, chars)
    s_tok, n_ours = timed(lambda: sum(len(tok(s.text)) for d in docs for s in segment(d)))
    record("segment + Tokenizer() end to end", s_tok, chars, f"{n_ours} tokens kept")
    sample = docs[: args.newmm_docs]
    s_mm, _ = timed(lambda: sum(len(word_tokenize(d, engine="newmm")) for d in sample))
    record(f"raw word_tokenize(engine='newmm'), {len(sample)} docs", s_mm, sum(map(len, sample)))
    ratio = (chars / s_tok) / (chars / s_raw)
    print(f"\nsegment + Tokenizer / raw nlpo3 = {ratio:.2f} (target >= 0.80)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                    "docs": len(docs),
                    "chars": chars,
                    "rows": rows,
                    "ratio_vs_raw_nlpo3": round(ratio, 3),
                },
                ensure_ascii=False,
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
