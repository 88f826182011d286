"""Breakdowns of themes and topics by group and over time, as tidy DataFrames, and parsing of
Thai dates (Buddhist era, Thai month names, Thai digits)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["parse_thai_date", "themes_by", "themes_over_time", "topics_by", "topics_over_time"]

_MONTHS = {
    "มกราคม": 1,
    "ม.ค.": 1,
    "กุมภาพันธ์": 2,
    "ก.พ.": 2,
    "มีนาคม": 3,
    "มี.ค.": 3,
    "เมษายน": 4,
    "เม.ย.": 4,
    "พฤษภาคม": 5,
    "พ.ค.": 5,
    "มิถุนายน": 6,
    "มิ.ย.": 6,
    "กรกฎาคม": 7,
    "ก.ค.": 7,
    "สิงหาคม": 8,
    "ส.ค.": 8,
    "กันยายน": 9,
    "ก.ย.": 9,
    "ตุลาคม": 10,
    "ต.ค.": 10,
    "พฤศจิกายน": 11,
    "พ.ย.": 11,
    "ธันวาคม": 12,
    "ธ.ค.": 12,
}
_MONTH_RE = "|".join(re.escape(m) for m in sorted(_MONTHS, key=len, reverse=True))
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_TEXT_DATE = re.compile(rf"(?:(\d{{1,2}})\s*)?({_MONTH_RE})\s*(?:พ\.ศ\.|ค\.ศ\.)?\s*(\d{{2,4}})")
_NUM_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_YEAR_ONLY = re.compile(r"(?:พ\.ศ\.|ปี|ค\.ศ\.)\s*(\d{4})")


def _year(y: int, text: str) -> int:
    if y < 100:  # two-digit years are Buddhist era in Thai writing (มี.ค. 67)
        y += 2500
    if "ค.ศ." in text:
        return y
    return y - 543 if y > 2400 else y


def parse_thai_date(value: Any) -> date | None:
    """A date from Thai or ISO text; Buddhist-era years (> 2400, or two digits) are converted.

    >>> parse_thai_date("วันพฤหัสบดีที่ ๑๔ มีนาคม พ.ศ. ๒๕๖๗")
    datetime.date(2024, 3, 14)
    >>> parse_thai_date("3 ก.ย. 2563")
    datetime.date(2020, 9, 3)
    >>> parse_thai_date("พ.ศ. 2563")
    datetime.date(2020, 1, 1)
    >>> parse_thai_date("2024-03-14"), parse_thai_date("ไม่ระบุ")
    (datetime.date(2024, 3, 14), None)
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, date):
        return value
    text = str(value).translate(_THAI_DIGITS)
    m = _TEXT_DATE.search(text)
    try:
        if m:
            day = int(m.group(1) or 1)
            return date(_year(int(m.group(3)), text), _MONTHS[m.group(2)], day)
        m = _NUM_DATE.search(text)
        if m:
            if m.group(1):
                y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            else:
                d, mo, y = int(m.group(4)), int(m.group(5)), int(m.group(6))
            return date(_year(y, text), mo, d)
        m = _YEAR_ONLY.search(text)
        if m:
            return date(_year(int(m.group(1)), text), 1, 1)
    except ValueError:  # 31 ก.พ. and the like
        return None
    return None


def _explode(df: pd.DataFrame, col: str) -> pd.DataFrame:
    if col not in df.columns:
        raise KeyError(f"no column {col!r}; columns: {list(df.columns)}")
    out = df.copy()
    out[col] = out[col].apply(
        lambda v: (
            list(v)
            if isinstance(v, (list, tuple, np.ndarray))
            else ([] if v is None or v == "" else [v])
        )
    )
    return out


def themes_by(
    df: pd.DataFrame, by: str | list[str], themes_col: str = "themes", include_none: bool = True
) -> pd.DataFrame:
    """Counts and shares of themes per group.

    Parameters
    ----------
    df : DataFrame
        One row per statement, with a column of theme lists (as ``classify_feedback`` on a
        Series returns) and the group column(s).
    by : str or list of str
        Province, stakeholder group, any column.
    include_none : bool
        Count statements with no theme as theme ``"(none)"``.

    Returns
    -------
    DataFrame
        ``by…, theme, count, share`` — share of the group's statements that carry the theme
        (a statement with two themes counts in both, so shares can add up to more than 1).
    """
    by = [by] if isinstance(by, str) else list(by)
    d = _explode(df, themes_col)
    sizes = d.groupby(by, dropna=False).size().rename("n_statements")
    if include_none:
        d[themes_col] = d[themes_col].apply(lambda v: v or ["(none)"])
    long = d[[*by, themes_col]].explode(themes_col).dropna(subset=[themes_col])
    counts = long.groupby([*by, themes_col], dropna=False).size().rename("count").reset_index()
    counts = counts.rename(columns={themes_col: "theme"}).merge(sizes.reset_index(), on=by)
    counts["share"] = counts["count"] / counts["n_statements"]
    return counts.sort_values([*by, "count"], ascending=[True] * len(by) + [False]).reset_index(
        drop=True
    )


def themes_over_time(
    df: pd.DataFrame,
    date_col: str,
    freq: str = "YS",
    themes_col: str = "themes",
    include_none: bool = False,
) -> pd.DataFrame:
    """Counts and shares of themes per period (``freq``: pandas offset alias, e.g. ``"YS"``,
    ``"QS"``, ``"MS"``). Text dates are parsed with :func:`parse_thai_date`; rows whose date
    cannot be read are left out and counted in ``attrs["undated"]``."""
    periods, ok = _periods(df[date_col], freq)
    d = df[ok].copy()
    d["period"] = periods.to_numpy()
    out = themes_by(d, "period", themes_col=themes_col, include_none=include_none)
    out.attrs["undated"] = int((~ok).sum())
    return out


def _periods(values: Iterable[Any], freq: str) -> tuple[pd.Series, np.ndarray]:
    """Start of the period of each parsed date, and which values had a date at all."""
    parsed = pd.Series([parse_thai_date(v) for v in values], dtype=object)
    ok = parsed.notna().to_numpy()
    periods = pd.to_datetime(parsed[ok].astype(str)).dt.to_period(_period(freq)).dt.start_time
    return periods, ok


def _period(freq: str) -> str:
    return {
        "YS": "Y",
        "Y": "Y",
        "YE": "Y",
        "A": "Y",
        "QS": "Q",
        "Q": "Q",
        "MS": "M",
        "M": "M",
        "W": "W",
    }.get(freq, freq)


def topics_by(doc_topic: np.ndarray, groups: Iterable[Any], name: str = "group") -> pd.DataFrame:
    """Mean topic weight and dominant-topic share per group, from a document–topic matrix
    (``TopicModel.transform``)."""
    g = pd.Series(list(groups), name=name)
    w = np.asarray(doc_topic)
    if len(g) != len(w):
        raise ValueError(f"{len(g)} groups for {len(w)} documents")
    rows = []
    dominant = np.where(w.sum(axis=1) > 0, w.argmax(axis=1), -1)
    for value, idx in g.groupby(g, dropna=False).groups.items():
        idx = np.asarray(list(idx))
        for t in range(w.shape[1]):
            rows.append(
                {
                    name: value,
                    "topic": t,
                    "mean_weight": float(w[idx, t].mean()),
                    "dominant_share": float((dominant[idx] == t).mean()),
                    "n_documents": len(idx),
                }
            )
    return pd.DataFrame(rows)


def topics_over_time(doc_topic: np.ndarray, dates: Iterable[Any], freq: str = "YS") -> pd.DataFrame:
    """:func:`topics_by` per period of parsed dates (undated documents left out)."""
    periods, ok = _periods(dates, freq)
    out = topics_by(np.asarray(doc_topic)[ok], periods.tolist(), name="period")
    out.attrs["undated"] = int((~ok).sum())
    return out
