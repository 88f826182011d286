"""What changed between two tagging runs (``thaisme-nlp diff OLD NEW``).

Statements are matched by ``(doc_id, start, end, statement_hash)``: the same text at the same
place of the same document. A codebook or model change leaves segmentation alone, so every
statement matches and only its themes differ; statements of documents edited, added or removed
between the runs are listed as ``only_old`` / ``only_new``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DiffResult", "diff_runs"]

_KEY = ["doc_id", "start", "end", "statement_hash"]


@dataclass
class DiffResult:
    """``changes``: one row per statement whose themes differ (or that is in one run only);
    ``per_theme``: statements per theme in each run, with how many gained and lost it."""

    changes: pd.DataFrame
    per_theme: pd.DataFrame
    n_old: int
    n_new: int
    n_matched: int
    old_model: str
    new_model: str

    def summary(self, max_rows: int = 15) -> str:
        lines = [
            f"old: {self.n_old:,} statements ({self.old_model})",
            f"new: {self.n_new:,} statements ({self.new_model})",
            f"matched {self.n_matched:,}; themes changed on "
            f"{int((self.changes['change'] == 'changed').sum()):,}; only in old "
            f"{int((self.changes['change'] == 'only_old').sum()):,}; only in new "
            f"{int((self.changes['change'] == 'only_new').sum()):,}",
            "",
            self.per_theme.to_string(),
        ]
        shown = self.changes[self.changes["change"] == "changed"].head(max_rows)
        if len(shown):
            lines += ["", "changed statements (first few):"]
            for r in shown.itertuples():
                text = r.text if len(r.text) <= 60 else r.text[:57] + "..."
                plus = " ".join("+" + t for t in r.added)
                minus = " ".join("-" + t for t in r.removed)
                lines.append(f"  {r.doc_id}[{r.statement_index}] {plus} {minus} | {text}")
        return "\n".join(lines)


def _frame(run: Any) -> pd.DataFrame:
    from .tag import TagResult, read_table

    if isinstance(run, TagResult):
        return run.statements()
    if isinstance(run, (str, Path)):
        return read_table(run)
    return run


def diff_runs(old: Any, new: Any) -> DiffResult:
    """Compare two runs: result files (any format the job writes), :class:`TagResult` or
    statement DataFrames.

    Examples
    --------
    >>> import pandas as pd
    >>> row = dict(doc_id="a.txt", start=0, end=5, statement_hash="h", statement_index=0,
    ...            text="ขอกู้เงิน", model_id="m")
    >>> d = diff_runs(pd.DataFrame([{**row, "themes": []}]),
    ...               pd.DataFrame([{**row, "themes": ["financing"]}]))
    >>> d.changes[["added", "removed"]].iloc[0].tolist()
    [['financing'], []]
    """
    import pandas as pd

    a, b = _frame(old), _frame(new)
    for name, df in (("old", a), ("new", b)):
        missing = [c for c in [*_KEY, "themes", "text", "statement_index"] if c not in df]
        if missing:
            raise ValueError(f"{name} run has no column(s) {missing}: is it a statements file?")

    def model(df: pd.DataFrame) -> str:
        return ", ".join(sorted(set(df["model_id"]))) if "model_id" in df and len(df) else "?"

    old_model, new_model = model(a), model(b)
    cols = [*_KEY, "statement_index", "path", "text", "themes"]
    a = a[[c for c in cols if c in a]]
    b = b[[c for c in cols if c in b]]
    m = a.merge(b, on=_KEY, how="outer", suffixes=("_old", "_new"), indicator=True)

    def as_list(v: Any) -> list[str]:
        return list(v) if isinstance(v, (list, tuple)) or hasattr(v, "tolist") else []

    old_t = m["themes_old"].map(as_list)
    new_t = m["themes_new"].map(as_list)
    added = [sorted(set(n) - set(o)) for o, n in zip(old_t, new_t)]
    removed = [sorted(set(o) - set(n)) for o, n in zip(old_t, new_t)]
    change = m["_merge"].map({"both": "changed", "left_only": "only_old", "right_only": "only_new"})
    out = pd.DataFrame(
        {
            "doc_id": m["doc_id"],
            "statement_index": m["statement_index_new"]
            .fillna(m["statement_index_old"])
            .astype("int64"),
            "start": m["start"],
            "end": m["end"],
            "text": m["text_new"].fillna(m["text_old"]),
            "old_themes": old_t,
            "new_themes": new_t,
            "added": added,
            "removed": removed,
            "change": change.astype(str),
        }
    )
    differs = (out["change"] != "changed") | out["added"].map(bool) | out["removed"].map(bool)
    out = out[differs].sort_values(["doc_id", "start"], kind="stable").reset_index(drop=True)

    themes = sorted({t for ts in [*old_t, *new_t] for t in ts})
    matched = m["_merge"] == "both"
    per = pd.DataFrame(
        {
            "old": [int(sum(t in ts for ts in old_t)) for t in themes],
            "new": [int(sum(t in ts for ts in new_t)) for t in themes],
            "gained": [int(sum(t in ad for ad, ok in zip(added, matched) if ok)) for t in themes],
            "lost": [int(sum(t in rm for rm, ok in zip(removed, matched) if ok)) for t in themes],
        },
        index=pd.Index(themes, name="theme"),
    )
    per["net"] = per["new"] - per["old"]

    return DiffResult(
        changes=out,
        per_theme=per,
        n_old=len(a),
        n_new=len(b),
        n_matched=int(matched.sum()),
        old_model=old_model,
        new_model=new_model,
    )
