"""Every plot renders to PNG with the Thai font and no missing-glyph warning."""

import json
import warnings

import pandas as pd
import pytest
from conftest import ROOT

from thaisme_nlp import TopicModel
from thaisme_nlp.breakdowns import themes_by, themes_over_time
from thaisme_nlp.plotting import (
    plot_coherence_sweep,
    plot_theme_distribution,
    plot_theme_heatmap,
    plot_themes_over_time,
    plot_topic_terms,
    thai_font,
)


@pytest.fixture(scope="module")
def data():
    rows = [
        json.loads(x) for x in (ROOT / "corpora/feedback/feedback.jsonl").open(encoding="utf-8")
    ]
    df = pd.DataFrame(
        {
            "themes": [r["labels"] for r in rows],
            "register": [r["register"] for r in rows],
            "date": [f"{1 + i % 28} มีนาคม {2563 + i % 4}" for i in range(len(rows))],
        }
    )
    tm = TopicModel(n_free_topics=2).fit([r["text"] for r in rows])
    sweep = pd.DataFrame(
        {"n_topics": [12, 14, 16], "npmi": [0.05, 0.07, 0.06], "diversity": [0.8, 0.75, 0.7]}
    )
    return df, tm, sweep


def _figures(data):
    df, tm, sweep = data
    return {
        "topic_terms": plot_topic_terms(tm),
        "distribution": plot_theme_distribution(df["themes"]),
        "heatmap": plot_theme_heatmap(themes_by(df, "register"), "register"),
        "over_time": plot_themes_over_time(themes_over_time(df, "date")),
        "sweep": plot_coherence_sweep(sweep),
    }


def test_plots_render_thai(data, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figs = _figures(data)
        for name, fig in figs.items():
            out = tmp_path / f"{name}.png"
            fig.savefig(out, dpi=60)
            assert out.stat().st_size > 5_000
    missing = [
        str(w.message)
        for w in caught
        if "missing from" in str(w.message) or "Glyph" in str(w.message)
    ]
    assert missing == []
    family = thai_font()
    assert "Thai" in family
    for name, fig in figs.items():
        texts = [
            t
            for t in fig.findobj(lambda a: hasattr(a, "get_fontfamily") and hasattr(a, "get_text"))
            if any("\u0e00" <= c <= "\u0e7f" for c in a_text(t))
        ]
        assert texts, f"{name} has no Thai text"
        for t in texts:
            assert t.get_fontfamily()[0] == family, (name, a_text(t), t.get_fontfamily())


def a_text(artist):
    return artist.get_text() or ""


def test_topic_without_theme_is_labelled_new(data):
    _, tm, _ = data
    saved = [dict(m) for m in tm.topic_theme_map_]
    try:
        tm.topic_theme_map_[0]["theme"] = None
        fig = plot_topic_terms(tm, topics=[0])
        titles = [ax.get_title() for ax in fig.axes]
        assert titles[0].endswith("(ใหม่)") and "nan" not in titles[0]
    finally:
        tm.topic_theme_map_[:] = saved
