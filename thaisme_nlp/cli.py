"""The command line: ``thaisme-nlp tag | diff | classify | keywords | train | evaluate | serve``."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from ._version import __version__

DEFAULT_CORPUS = Path("corpora/feedback/feedback.jsonl")


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_text(path: str) -> str:
    """A text file in UTF-8 (with or without BOM), UTF-16 or TIS-620, detected from its bytes
    as the batch job does; an unreadable file ends the command with its reason."""
    from .archive.readers import decode_bytes
    from .errors import ArchiveReadError

    try:
        return decode_bytes(Path(path).read_bytes())[0]
    except (ArchiveReadError, OSError) as e:
        raise SystemExit(f"thaisme-nlp: {path}: {e}") from None


# -- classify ------------------------------------------------------------------------------------
def cmd_classify(args: argparse.Namespace) -> int:
    from .classify import classify_feedback
    from .text.segment import segment

    if args.file:
        docs = [_read_text(args.file)]
    else:
        docs = args.text or [line.rstrip("\n") for line in sys.stdin]
    model = args.model
    if args.statements:
        items = [s.text for d in docs for s in segment(d)]
    else:
        items = docs
    results = classify_feedback(items, model=model, threshold=args.threshold)
    assert isinstance(results, list)
    if args.json:
        for r in results:
            print(json.dumps(r.to_dict(), ensure_ascii=False))
        return 0
    for r in results:
        themes = ", ".join(f"{t.id} {t.score:.2f}" for t in r.themes) or "-"
        short = r.text if len(r.text) <= 70 else r.text[:67] + "..."
        print(f"{themes:<45} | {short}")
        for t in r.themes:
            for e in t.evidence[:2]:
                print(f"{'':<45} |   {t.id}: [{e.start}:{e.end}] {e.text}")
    n_themed = sum(1 for r in results if r.themes)
    print(f"\n{len(results)} statements, {n_themed} with a policy theme", file=sys.stderr)
    return 0


# -- keywords ------------------------------------------------------------------------------------
def cmd_keywords(args: argparse.Namespace) -> int:
    from .keywords import extract_keywords
    from .text.segment import segment

    statements: list[str] = []
    for path in args.files:
        statements.extend(s.text for s in segment(_read_text(path)))
    df = extract_keywords(statements, top_n=args.top)
    print(
        f"{len(statements)} statements from {len(args.files)} file(s); top {args.top} keyphrases:"
    )
    for row in df.itertuples():
        print(f"  {row.score:.4f}  df={row.doc_freq:<3} {row.term}")
    return 0


# -- train ---------------------------------------------------------------------------------------
def cmd_train(args: argparse.Namespace) -> int:
    from .classify import ThemeClassifier
    from .codebook import Codebook
    from .evaluate import load_labelled
    from .persist import DEFAULT_BUNDLE_FILE, DEFAULT_MODEL_FILE, save_bundle, save_model

    corpus = Path(args.corpus)
    texts, labels, rows = load_labelled(corpus)
    if args.split:
        split = json.loads(Path(args.split).read_text(encoding="utf-8"))
        keep = set(split[args.split_part])
        pairs = [(t, lab) for t, lab, r in zip(texts, labels, rows) if r.get("id") in keep]
        texts, labels = [p[0] for p in pairs], [p[1] for p in pairs]
    codebook = Codebook.load(args.codebook) if args.codebook else Codebook.default()
    model = ThemeClassifier(codebook=codebook, random_state=args.seed).fit(texts, labels)
    out = Path(args.out) if args.out else Path(__file__).parent / "data" / DEFAULT_MODEL_FILE
    meta = save_model(
        model,
        out,
        corpus_hash=_file_hash(corpus),
        extra={"corpus": str(corpus), "n_train": len(texts)},
    )
    if not args.out:  # the default model also ships as a runtime bundle (fast cold start)
        save_bundle(model, out.with_name(DEFAULT_BUNDLE_FILE))
    cv = meta["cv_metrics"]
    print(f"trained on {len(texts)} statements → {out}")
    print(f"model id {meta['model_id']}")
    print(
        f"{cv.get('folds')}-fold CV: micro-F1 {cv.get('micro_f1', 0):.3f}, macro-F1 {cv.get('macro_f1', 0):.3f}"
    )
    return 0


# -- evaluate ------------------------------------------------------------------------------------
def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import run_evaluation

    report = run_evaluation(
        corpus=Path(args.corpus),
        data=Path(args.data) if args.data else None,
        model=args.model,
        folds=args.folds,
        out=Path(args.out) if args.out else None,
        json_out=Path(args.json_out) if args.json_out else None,
    )
    print(report)
    return 0


# -- tag / diff ----------------------------------------------------------------------------------
def cmd_tag(args: argparse.Namespace) -> int:
    from .archive import tag_archive
    from .errors import OutputError

    if not Path(args.archive).exists():
        print(f"thaisme-nlp tag: archive not found: {args.archive}", file=sys.stderr)
        return 2
    try:
        res = tag_archive(
            args.archive,
            args.out,
            model=args.model,
            text_column=args.text_column,
            text_field=args.text_field,
            jobs=args.jobs,
            scheduler=args.scheduler,
            evidence=not args.no_evidence,
            batch_docs=args.batch_docs,
            progress=None if not args.quiet else False,
        )
    except (OutputError, ValueError) as e:  # a bad --out, --jobs 0, an output in use
        print(f"thaisme-nlp tag: {e}", file=sys.stderr)
        return 2
    print(res.summary())
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from .archive import diff_runs
    from .archive.store import output_paths

    try:
        d = diff_runs(args.old, args.new)
        paths = output_paths(args.out) if args.out else None
    except (FileNotFoundError, ValueError) as e:  # a missing run, not a statements file, bad --out
        print(f"thaisme-nlp diff: {e}", file=sys.stderr)
        return 2
    print(d.summary(max_rows=args.show))
    if args.out and paths:
        changes = d.changes.copy()
        ext = paths["statements"].suffix
        themes_path = paths["statements"].with_name(
            paths["statements"].name.removesuffix(ext) + ".themes" + ext
        )
        per = d.per_theme.reset_index()
        if ext == ".csv":
            for c in ("old_themes", "new_themes", "added", "removed"):
                changes[c] = changes[c].map(";".join)
            changes.to_csv(args.out, index=False)
            per.to_csv(themes_path, index=False)
        elif ext == ".parquet":
            changes.to_parquet(args.out, index=False)
            per.to_parquet(themes_path, index=False)
        else:
            changes.to_json(args.out, orient="records", lines=True, force_ascii=False)
            per.to_json(themes_path, orient="records", lines=True, force_ascii=False)
        print(f"\nwritten: {args.out}, {themes_path}")
    return 0


# -- serve ---------------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    import os

    try:
        import uvicorn
    except ImportError:
        print(
            "the service needs the [service] extra: pip install 'thaisme-nlp[service]'",
            file=sys.stderr,
        )
        return 2
    if args.model:
        os.environ["THAISME_MODEL"] = str(Path(args.model).resolve())
    uvicorn.run(
        "thaisme_nlp.service:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="thaisme-nlp",
        description="Sort Thai SME and community-enterprise feedback into policy themes.",
    )
    p.add_argument("--version", action="version", version=f"thaisme-nlp {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser(
        "tag",
        help="tag every statement of an archive folder (resumable; skips what is done)",
        description="Read an archive (txt/md in UTF-8, UTF-16 or TIS-620; csv; xlsx; jsonl(.gz); "
        "docx; pdf), segment into statements, classify, and write one row per statement and "
        "per document. Re-running with the same --out skips documents already tagged by the "
        "same model and finishes an interrupted run.",
    )
    g.add_argument("archive", help="a folder (read recursively) or one file")
    g.add_argument(
        "--out", required=True, help="tags.parquet | tags.csv | tags.jsonl (format by extension)"
    )
    g.add_argument("--model", help="model file (default: the shipped model)")
    g.add_argument("--text-column", help="CSV/Excel column with the text (default: guessed)")
    g.add_argument("--text-field", help="JSON Lines field with the text (default: guessed)")
    g.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    g.add_argument("--scheduler", help="run on a Dask cluster at this address (needs [dask])")
    g.add_argument(
        "--batch-docs",
        type=int,
        default=2000,
        help="at most this many documents per batch and committed chunk (default 2000)",
    )
    g.add_argument("--no-evidence", action="store_true", help="skip evidence spans (faster)")
    g.add_argument("--quiet", action="store_true", help="no progress line")
    g.set_defaults(func=cmd_tag)

    f = sub.add_parser("diff", help="what changed between two tag runs")
    f.add_argument("old", help="statements file of the earlier run")
    f.add_argument("new", help="statements file of the later run")
    f.add_argument("--out", help="write the changed statements here (.csv/.parquet/.jsonl)")
    f.add_argument("--show", type=int, default=15, help="changed statements to print")
    f.set_defaults(func=cmd_diff)

    c = sub.add_parser("classify", help="classify texts, a file, or standard input")
    c.add_argument("text", nargs="*", help="texts (default: one per line on standard input)")
    c.add_argument("--file", help="a document (UTF-8 or TIS-620) to segment and classify")
    c.add_argument(
        "--statements",
        action="store_true",
        help="segment the input and classify each statement (implied by --file)",
    )
    c.add_argument("--model", help="model file (default: the shipped model)")
    c.add_argument("--threshold", type=float, help="one threshold for all themes")
    c.add_argument("--json", action="store_true", help="one JSON object per line")
    c.set_defaults(func=cmd_classify)

    k = sub.add_parser("keywords", help="keyphrases of documents (segmented into statements)")
    k.add_argument("files", nargs="+", help="UTF-8 or TIS-620 text files")
    k.add_argument("--top", type=int, default=15)
    k.set_defaults(func=cmd_keywords)

    t = sub.add_parser("train", help="train a ThemeClassifier on a labelled corpus")
    t.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    t.add_argument("--codebook", help="codebook JSON (default: the shipped one)")
    t.add_argument("--split", help="split file; train only on one part of it")
    t.add_argument("--split-part", default="train")
    t.add_argument("--out", help="model file (default: the package's default model)")
    t.add_argument("--seed", type=int, default=0)
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("evaluate", help="cross-validate on the corpus, evaluate on a labelled file")
    e.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    e.add_argument("--data", help="a labelled .jsonl/.csv file (text, labels) to evaluate on")
    e.add_argument("--model", help="model for --data (default: the shipped model)")
    e.add_argument("--folds", type=int, default=5)
    e.add_argument("--out", help="write the Markdown report here")
    e.add_argument("--json-out", help="write the figures as JSON here")
    e.set_defaults(func=cmd_evaluate)
    v = sub.add_parser("serve", help="HTTP service (needs the [service] extra)")
    v.add_argument("--host", default="127.0.0.1")
    v.add_argument("--port", type=int, default=8000)
    v.add_argument("--model", help="model file (default: the shipped model)")
    v.add_argument("--workers", type=int, default=1)
    v.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "classify" and args.file:
        args.statements = True
    result: Any = args.func(args)
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
