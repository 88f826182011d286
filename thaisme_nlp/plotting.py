"""Plots with Thai labels that render (matplotlib).

matplotlib's default font (DejaVu Sans) has no Thai glyphs: Thai text comes out as boxes with
"Glyph … missing" warnings. The installed package depends on ``fontpkg-noto-sans-thai``; every
function here registers that font on first use and draws with it, falling back to DejaVu Sans
for characters it lacks — no set-up by the user. Each function returns a
``matplotlib.figure.Figure`` (shown inline by Jupyter; ``fig.savefig("x.png")`` to keep it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = [
    "plot_coherence_sweep",
    "plot_theme_distribution",
    "plot_theme_heatmap",
    "plot_themes_over_time",
    "plot_topic_terms",
    "thai_font",
]


@lru_cache(maxsize=1)
def thai_font() -> str:
    """Register the packaged Noto Sans Thai with matplotlib; returns its family name."""
    import fontpkg_noto_sans_thai
    from matplotlib import font_manager

    files = sorted((fontpkg_noto_sans_thai.ROOT / "files").glob("*.ttf"))
    if not files:  # pragma: no cover - the dependency ships the file
        raise FileNotFoundError("fontpkg-noto-sans-thai installed without its .ttf file")
    for f in files:
        font_manager.fontManager.addfont(str(f))
    return font_manager.FontProperties(fname=str(files[0])).get_name()


@contextlib.contextmanager
def _thai() -> Iterator[None]:
    import matplotlib

    with matplotlib.rc_context(
        {"font.family": [thai_font(), "DejaVu Sans"], "axes.unicode_minus": False}
    ):
        yield


def _figure(w: float, h: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(w, h), layout="constrained")


def _labels(codebook: Any, ids: Sequence[str], lang: str) -> list[str]:
    if codebook is None:
        from .codebook import Codebook

        codebook = Codebook.default()
    out = []
    for t in ids:
        if t in codebook:
            th = codebook[t]
            out.append(th.label_th if lang == "th" else th.label_en)
        else:
            out.append("(ไม่มีประเด็น)" if t == "(none)" and lang == "th" else str(t))
    return out


def plot_topic_terms(
    model: Any,
    n: int = 8,
    topics: Sequence[int] | None = None,
    ncols: int = 4,
    title: str = "คำสำคัญของแต่ละหัวข้อ (topic)",
) -> Any:
    """Bar charts of the top ``n`` terms of each topic of a fitted :class:`TopicModel`."""
    terms = model.topic_terms(n)
    topics = list(topics) if topics is not None else sorted(terms["topic"].unique())
    nrows = int(np.ceil(len(topics) / ncols))
    with _thai():
        fig = _figure(3.2 * ncols, 2.4 * nrows)
        axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
        for ax, t in zip(axes, topics):
            d = terms[terms["topic"] == t].iloc[::-1]
            ax.barh(d["term"], d["weight"], color="#3b7dd8")
            theme = d["theme"].iloc[0] if len(d) else None
            known = isinstance(theme, str) and theme  # pandas turns a missing theme into NaN
            ax.set_title(f"หัวข้อ {t}" + (f" → {theme}" if known else " (ใหม่)"), fontsize=9)
            ax.tick_params(labelsize=8)
            ax.set_xticks([])
        for ax in axes[len(topics) :]:
            ax.set_visible(False)
        fig.suptitle(title)
    return fig


def plot_theme_distribution(
    themes: Any, codebook: Any = None, lang: str = "th", title: str = "จำนวนข้อความตามประเด็นนโยบาย"
) -> Any:
    """Horizontal bars: how many statements carry each theme. ``themes``: a Series/list of
    theme-id lists (``classify_feedback(series)["themes"]``) or a mapping id → count."""
    from collections import Counter

    if hasattr(themes, "items") and not hasattr(themes, "explode"):
        counts = Counter(dict(themes.items()))
    else:
        counts = Counter(t for lst in themes for t in (lst or ["(none)"]))
    ids = [t for t, _ in sorted(counts.items(), key=lambda kv: kv[1])]
    with _thai():
        fig = _figure(8, 0.35 * len(ids) + 1.2)
        ax = fig.subplots()
        ax.barh(_labels(codebook, ids, lang), [counts[t] for t in ids], color="#2a9d8f")
        ax.set_xlabel("จำนวนข้อความ")
        ax.set_title(title)
    return fig


def plot_theme_heatmap(
    breakdown: Any,
    by: str,
    value: str = "share",
    codebook: Any = None,
    lang: str = "th",
    title: str | None = None,
) -> Any:
    """Theme × group heatmap from :func:`thaisme_nlp.breakdowns.themes_by` output."""
    table = breakdown.pivot_table(index="theme", columns=by, values=value, fill_value=0)
    with _thai():
        fig = _figure(1.0 + 0.9 * table.shape[1], 0.4 * table.shape[0] + 1.5)
        ax = fig.subplots()
        im = ax.imshow(table.to_numpy(), aspect="auto", cmap="Blues")
        ax.set_yticks(range(table.shape[0]), _labels(codebook, list(table.index), lang), fontsize=8)
        ax.set_xticks(
            range(table.shape[1]),
            [str(c) for c in table.columns],
            rotation=45,
            ha="right",
            fontsize=8,
        )
        fig.colorbar(im, ax=ax, label="สัดส่วน" if value == "share" else "จำนวน")
        ax.set_title(title or f"ประเด็นนโยบายจำแนกตาม {by}")
    return fig


def plot_themes_over_time(
    over_time: Any,
    value: str = "count",
    codebook: Any = None,
    lang: str = "th",
    top: int = 8,
    title: str = "ประเด็นนโยบายตามช่วงเวลา",
) -> Any:
    """Lines per theme over periods, from :func:`thaisme_nlp.breakdowns.themes_over_time`."""
    table = over_time.pivot_table(index="period", columns="theme", values=value, fill_value=0)
    keep = table.sum().sort_values(ascending=False).index[:top]
    table = table[keep]
    with _thai():
        fig = _figure(9, 4.5)
        ax = fig.subplots()
        for theme, label in zip(table.columns, _labels(codebook, list(table.columns), lang)):
            ax.plot(table.index, table[theme], marker="o", label=label)
        ax.set_ylabel("จำนวนข้อความ" if value == "count" else "สัดส่วน")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title(title)
    return fig


def plot_coherence_sweep(sweep: Any, title: str = "คุณภาพหัวข้อเทียบกับจำนวนหัวข้อ") -> Any:
    """NPMI coherence and topic diversity against the number of topics (``TopicModel.sweep``)."""
    with _thai():
        fig = _figure(7, 4)
        ax = fig.subplots()
        ax.plot(
            sweep["n_topics"],
            sweep["npmi"],
            marker="o",
            color="#e76f51",
            label="NPMI (ความสอดคล้อง)",
        )
        ax.set_xlabel("จำนวนหัวข้อ")
        ax.set_ylabel("NPMI")
        ax2 = ax.twinx()
        ax2.plot(
            sweep["n_topics"], sweep["diversity"], marker="s", color="#264653", label="ความหลากหลาย"
        )
        ax2.set_ylabel("ความหลากหลายของคำ")
        handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
        ax.legend(handles, [str(h.get_label()) for h in handles], fontsize=8)
        ax.set_title(title)
    return fig
