"""The offline segment report: one HTML file drawn from the serving copy.

`python -m kansrijk.report` (`make report`) opens the published serving copy read-only and
writes `<data dir>/report/index.html`. The file is self-contained: no scripts, fonts or
stylesheets from elsewhere, every chart an inline SVG drawn here. Each chart sits in an
element `data-chart="<name>"` whose `data-*` attributes and hidden `<table class="chart-data">`
hold the exact figures it shows, so a test (or a curious analyst) can check them against the
marts. A mart that is missing or empty gives a note in place of its chart, never a failure.

The Dagster report asset calls :func:`write_report`.
"""

from __future__ import annotations

import argparse
import html
import math
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from kansrijk import settings as settings_mod
from kansrijk.settings import Settings, SettingError

# How many rows a chart shows at most (the hidden table always holds every row drawn).
MAX_SEGMENTS = 40          # segment map bubbles, CLV bars, heatmap rows
MAX_PRODUCT_GROUPS = 20    # heatmap columns
TOP_TARGETS = 25           # prospect target list rows
WHALE_POINTS = 600         # points of the whale curve path (the peak and the ends are always kept)
MARGIN_CLIP = 100.0        # segment map: net margin axis runs at most from -100% to +100%

Row = dict[str, Any]


class ReportError(Exception):
    """The report cannot be written; the message is one sentence saying what to do."""


# --------------------------------------------------------------------------- data access

def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[Row] | None:
    """Rows as dicts, or None when a table or column the query needs is not in the serving copy."""
    try:
        rel = con.execute(sql, params or [])
        cols = [d[0] for d in rel.description]
        return [dict(zip(cols, r)) for r in rel.fetchall()]
    except (duckdb.CatalogException, duckdb.BinderException):
        return None


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
        [table]).fetchall()}


def _num(v: Any) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _raw(v: Any) -> str:
    """The exact value for a data attribute: Decimal as written, floats in full precision."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return str(v)


def _eur(v: Any) -> str:
    f = _num(v)
    if f is None:
        return "–"
    if abs(f) >= 1e6:
        return f"€ {f / 1e6:,.1f} M"
    if abs(f) >= 1e4:
        return f"€ {f / 1e3:,.0f} k"
    return f"€ {f:,.0f}"


def _pct(v: Any, digits: int = 1) -> str:
    f = _num(v)
    return "–" if f is None else f"{f:.{digits}f}%"


def _int(v: Any) -> str:
    f = _num(v)
    return "–" if f is None else f"{f:,.0f}"


def _e(v: Any) -> str:
    return html.escape("" if v is None else str(v), quote=True)


# --------------------------------------------------------------------------- chart wrappers

@dataclass
class Chart:
    name: str
    title: str
    how_to_read: str
    svg: str = ""                       # the drawing; empty means "note instead of chart"
    note: str = ""                      # shown instead of (or under) the drawing
    attrs: dict[str, Any] = field(default_factory=dict)   # scalar figures as data-* attributes
    columns: list[str] = field(default_factory=list)      # hidden table columns
    rows: list[Row] = field(default_factory=list)         # hidden table rows (exact values)
    visible_table: bool = False          # show the table (the target list) instead of hiding it

    def html(self) -> str:
        status = "ok" if (self.svg or self.visible_table) else "missing"
        attrs = "".join(f' data-{_e(k.replace("_", "-"))}="{_e(_raw(v))}"' for k, v in self.attrs.items())
        out = [f'<section class="chart" data-chart="{_e(self.name)}" data-status="{status}"{attrs}>',
               f"<h2>{_e(self.title)}</h2>",
               f'<p class="how">How to read it: {_e(self.how_to_read)}</p>']
        if self.svg:
            out.append(self.svg)
        if self.note:
            out.append(f'<p class="note">{_e(self.note)}</p>')
        if self.columns and self.rows:
            hidden = "" if self.visible_table else " hidden"
            out.append(f'<table class="chart-data" data-table="{_e(self.name)}"{hidden}>')
            out.append("<thead><tr>" + "".join(f'<th data-col="{_e(c)}">{_e(c)}</th>' for c in self.columns)
                       + "</tr></thead><tbody>")
            for r in self.rows:
                out.append("<tr>" + "".join(
                    f'<td data-col="{_e(c)}" data-value="{_e(_raw(r.get(c)))}">{_e(_shown(c, r.get(c)))}</td>'
                    for c in self.columns) + "</tr>")
            out.append("</tbody></table>")
        out.append("</section>")
        return "\n".join(out)


def _shown(col: str, v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float) and (col.endswith("_pct") or col.endswith("_rate")):
        return _pct(v)
    if isinstance(v, float):
        return f"{v:,.2f}"
    if isinstance(v, Decimal):
        return f"{v:,.2f}"
    return str(v)


def _missing(name: str, title: str, how: str, what: str) -> Chart:
    return Chart(name, title, how, note=what)


# --------------------------------------------------------------------------- svg helpers

W, H = 880, 420
PAD_L, PAD_R, PAD_T, PAD_B = 70, 30, 20, 50


def _svg_open(name: str, w: int = W, h: int = H, label: str = "") -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" data-svg="{_e(name)}" role="img" '
            f'aria-label="{_e(label)}" viewBox="0 0 {w} {h}" width="{w}" height="{h}">')


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=mag * 10)
    start, stop = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    ticks, t = [], start
    while t <= stop + 1e-9 * step:
        ticks.append(round(t, 10))
        t += step
    return ticks


class Scale:
    def __init__(self, d0: float, d1: float, r0: float, r1: float):
        self.d0, self.d1, self.r0, self.r1 = d0, d1, r0, r1

    def __call__(self, v: float) -> float:
        if self.d1 == self.d0:
            return (self.r0 + self.r1) / 2
        return self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)


def _axes(x: Scale, y: Scale, xticks: list[float], yticks: list[float], xlabel: str, ylabel: str,
          xfmt=lambda v: f"{v:g}", yfmt=lambda v: f"{v:g}") -> str:
    parts = []
    for t in yticks:
        yy = y(t)
        parts.append(f'<line class="grid" x1="{PAD_L}" x2="{W - PAD_R}" y1="{yy:.1f}" y2="{yy:.1f}"/>')
        parts.append(f'<text class="tick" x="{PAD_L - 6}" y="{yy + 4:.1f}" text-anchor="end">{_e(yfmt(t))}</text>')
    for t in xticks:
        xx = x(t)
        parts.append(f'<line class="grid" y1="{PAD_T}" y2="{H - PAD_B}" x1="{xx:.1f}" x2="{xx:.1f}"/>')
        parts.append(f'<text class="tick" x="{xx:.1f}" y="{H - PAD_B + 18}" text-anchor="middle">{_e(xfmt(t))}</text>')
    parts.append(f'<line class="axis" x1="{PAD_L}" x2="{W - PAD_R}" y1="{H - PAD_B}" y2="{H - PAD_B}"/>')
    parts.append(f'<line class="axis" x1="{PAD_L}" x2="{PAD_L}" y1="{PAD_T}" y2="{H - PAD_B}"/>')
    parts.append(f'<text class="label" x="{(PAD_L + W - PAD_R) / 2}" y="{H - 10}" text-anchor="middle">{_e(xlabel)}</text>')
    parts.append(f'<text class="label" transform="translate(16 {(PAD_T + H - PAD_B) / 2}) rotate(-90)" '
                 f'text-anchor="middle">{_e(ylabel)}</text>')
    return "\n".join(parts)


# --------------------------------------------------------------------------- the charts

def whale_curve(con: duckdb.DuckDBPyConnection) -> Chart:
    name, title = "whale_curve", "Whale curve: where the profit comes from"
    how = ("customers ranked from most to least profitable (x, % of customers) against their cumulative net "
           "profit (y, % of total); the curve rises above 100% where the profitable customers are and falls "
           "back where value-destroying customers give profit away; the dot marks the peak.")
    rows = _fetch(con, "select profit_rank, cumulative_customer_pct, cumulative_profit_pct, net_profit "
                       "from marts.mart_whale_curve order by profit_rank")
    if rows is None:
        return _missing(name, title, how, "No whale curve: marts.mart_whale_curve is not in the serving copy.")
    pts = [(r["profit_rank"], _num(r["cumulative_customer_pct"]), _num(r["cumulative_profit_pct"])) for r in rows]
    pts = [p for p in pts if p[1] is not None and p[2] is not None]
    if not pts:
        return _missing(name, title, how, "No whale curve: no customer has revenue or cost yet, or total net "
                                          "profit is zero (the curve is undefined).")
    total = sum(_num(r["net_profit"]) or 0.0 for r in rows)
    peak_i = max(range(len(pts)), key=lambda i: (pts[i][2], -i))
    peak = pts[peak_i]
    ymin = min(0.0, min(p[2] for p in pts))
    ymax = max(100.0, peak[2])
    yt = _nice_ticks(ymin, ymax)
    x = Scale(0, 100, PAD_L, W - PAD_R)
    y = Scale(min(yt[0], ymin), max(yt[-1], ymax), H - PAD_B, PAD_T)
    keep = set(range(0, len(pts), max(1, len(pts) // WHALE_POINTS))) | {peak_i, len(pts) - 1}
    path = [(0.0, 0.0)] + [(pts[i][1], pts[i][2]) for i in sorted(keep)]
    d = "M " + " L ".join(f"{x(a):.2f} {y(b):.2f}" for a, b in path)
    svg = [_svg_open(name, label=title),
           _axes(x, y, _nice_ticks(0, 100), yt, "cumulative % of customers (most profitable first)",
                 "cumulative % of net profit", xfmt=lambda v: f"{v:g}%", yfmt=lambda v: f"{v:g}%"),
           f'<line class="ref" x1="{PAD_L}" x2="{W - PAD_R}" y1="{y(100):.1f}" y2="{y(100):.1f}"/>',
           f'<path class="curve" d="{d}"/>',
           f'<circle class="peak" cx="{x(peak[1]):.2f}" cy="{y(peak[2]):.2f}" r="6" data-peak="1">'
           f"<title>peak: {peak[2]:.1f}% of net profit at {peak[1]:.1f}% of customers</title></circle>",
           f'<text class="annot" x="{min(x(peak[1]) + 10, W - 260):.1f}" y="{max(y(peak[2]) - 10, PAD_T + 12):.1f}">'
           f"peak {peak[2]:.1f}% of profit at {peak[1]:.1f}% of customers</text>",
           "</svg>"]
    losers = sum(1 for r in rows if (_num(r["net_profit"]) or 0) < 0)
    return Chart(
        name, title, how, svg="\n".join(svg),
        note=(f"{len(rows):,} customers, total net profit {_eur(total)}; {losers:,} customers lose money and "
              f"take {max(peak[2] - 100, 0):.1f} percentage points of profit back from the peak."),
        attrs={"peak_profit_pct": peak[2], "peak_customer_pct": peak[1], "peak_rank": peak[0],
               "customers": len(rows), "value_destroying_customers": losers, "total_net_profit": round(total, 2)},
    )


def segment_map(con: duckdb.DuckDBPyConnection) -> Chart:
    name, title = "segment_map", "Segment map: attractive and profitable?"
    how = ("each bubble is a segment; left = more attractive (attractiveness rank 1 is the most attractive), "
           "up = higher net margin % over the whole history, bubble area = revenue; prioritise the upper left.")
    cols = _columns(con, "mart_segment_attractiveness")
    if not cols:
        return _missing(name, title, how, "No segment map: marts.mart_segment_attractiveness is not in the serving copy.")
    score = "a.attractiveness_score" if "attractiveness_score" in cols else "cast(null as double)"
    rows = _fetch(con, f"""
        select a.segment_key, a.attractiveness_rank, {score} as attractiveness_score,
               p.revenue, p.net_profit, p.net_margin_pct
        from marts.mart_segment_attractiveness as a
        join marts.mart_segment_profitability as p on p.segment_key = a.segment_key and p.period = 'all'
        where a.attractiveness_rank is not null
        order by a.attractiveness_rank, a.segment_key
        limit {MAX_SEGMENTS}""")
    if rows is None:
        return _missing(name, title, how, "No segment map: marts.mart_segment_profitability is not in the serving copy.")
    drawn = [r for r in rows if _num(r["net_margin_pct"]) is not None]
    if not drawn:
        return _missing(name, title, how, "No segment map: no ranked segment has revenue yet.")
    ranks = [r["attractiveness_rank"] for r in drawn]
    margins = [_num(r["net_margin_pct"]) for r in drawn]
    # a tiny segment at -900% must not flatten the rest: the axis stops at ±MARGIN_CLIP and
    # bubbles beyond it sit on the edge, hollow, with their real figure in the tooltip
    lo = max(min(0.0, min(margins)), -MARGIN_CLIP)
    hi = min(max(0.0, max(margins)), MARGIN_CLIP)
    yt = _nice_ticks(lo, hi)
    x = Scale(0.5, max(ranks) + 0.5, PAD_L + 10, W - PAD_R - 10)
    y = Scale(yt[0], yt[-1], H - PAD_B, PAD_T)
    rmax = max(max(_num(r["revenue"]) or 0 for r in drawn), 1.0)
    xt = _nice_ticks(1, max(ranks), min(10, max(ranks))) if max(ranks) > 1 else [1]
    svg = [_svg_open(name, label=title),
           _axes(x, y, [t for t in xt if t >= 1 and t == int(t)], yt,
                 "attractiveness rank (1 = most attractive)", "net margin %", yfmt=lambda v: f"{v:g}%"),
           f'<line class="ref" x1="{PAD_L}" x2="{W - PAD_R}" y1="{y(0):.1f}" y2="{y(0):.1f}"/>']
    for r in sorted(drawn, key=lambda r: -(_num(r["revenue"]) or 0)):
        rad = 4 + 26 * math.sqrt(max(_num(r["revenue"]) or 0, 0) / rmax)
        m = _num(r["net_margin_pct"])
        clipped = not (yt[0] <= m <= yt[-1])
        cx, cy = x(r["attractiveness_rank"]), y(min(max(m, yt[0]), yt[-1]))
        svg.append(f'<circle class="bubble{" clipped" if clipped else ""}" cx="{cx:.1f}" cy="{cy:.1f}" r="{rad:.1f}" '
                   f'data-segment="{_e(r["segment_key"])}"><title>{_e(r["segment_key"])}: rank '
                   f'{r["attractiveness_rank"]}, net margin {_pct(r["net_margin_pct"])}, revenue '
                   f'{_eur(r["revenue"])}</title></circle>')
        svg.append(f'<text class="bubble-label" x="{cx:.1f}" y="{cy - rad - 3:.1f}" text-anchor="middle">'
                   f'{_e(r["segment_key"])}</text>')
    svg.append("</svg>")
    skipped = len(rows) - len(drawn)
    beyond = [r["segment_key"] for r in drawn if not (yt[0] <= _num(r["net_margin_pct"]) <= yt[-1])]
    notes = []
    if beyond:
        notes.append(f"Hollow bubbles lie beyond the axis (net margin outside ±{MARGIN_CLIP:g}%): {', '.join(beyond)}.")
    if skipped:
        notes.append(f"{skipped} ranked segment(s) without revenue are not drawn.")
    return Chart(name, title, how, svg="\n".join(svg),
                 note=" ".join(notes),
                 attrs={"segments": len(drawn)},
                 columns=["segment_key", "attractiveness_rank", "attractiveness_score", "revenue",
                          "net_profit", "net_margin_pct"],
                 rows=drawn)


def _hbars(name: str, title: str, labels: list[str], values: list[float | None], fmt, ref: float | None = None,
           ref_label: str = "", w: int = W) -> str:
    n = max(len(labels), 1)
    bar_h, gap, left = 16, 5, 100
    h = PAD_T + 10 + n * (bar_h + gap) + 40
    vals = [v for v in values if v is not None]
    lo, hi = min([0.0] + vals + ([ref] if ref is not None else [])), max([0.0] + vals + ([ref] if ref is not None else []))
    ticks = _nice_ticks(lo, hi if hi > lo else lo + 1)
    x = Scale(ticks[0], ticks[-1], left, w - 60)
    out = [_svg_open(name, w=w, h=h, label=title)]
    for t in ticks:
        out.append(f'<line class="grid" x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{PAD_T - 4}" y2="{h - 30}"/>')
        out.append(f'<text class="tick" x="{x(t):.1f}" y="{h - 14}" text-anchor="middle">{_e(fmt(t))}</text>')
    for i, (lab, v) in enumerate(zip(labels, values)):
        yy = PAD_T + i * (bar_h + gap)
        out.append(f'<text class="tick" x="{left - 6}" y="{yy + bar_h - 5}" text-anchor="end">{_e(lab)}</text>')
        if v is None:
            out.append(f'<text class="tick muted" x="{left + 4}" y="{yy + bar_h - 5}">no figure</text>')
            continue
        x0, x1 = sorted((x(0), x(v)))
        cls = "bar neg" if v < 0 else "bar"
        out.append(f'<rect class="{cls}" x="{x0:.1f}" y="{yy}" width="{max(x1 - x0, 1):.1f}" height="{bar_h}" '
                   f'data-label="{_e(lab)}" data-value="{_e(_raw(v))}"><title>{_e(lab)}: {_e(fmt(v))}</title></rect>')
        out.append(f'<text class="val" x="{x1 + 4:.1f}" y="{yy + bar_h - 5}">{_e(fmt(v))}</text>')
    if ref is not None:
        out.append(f'<line class="ref" x1="{x(ref):.1f}" x2="{x(ref):.1f}" y1="{PAD_T - 4}" y2="{h - 30}"/>')
        out.append(f'<text class="annot" x="{x(ref) + 4:.1f}" y="{PAD_T - 8}">{_e(ref_label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def segment_clv(con: duckdb.DuckDBPyConnection) -> Chart:
    name, title = "segment_clv", "Customer lifetime value per segment"
    how = ("left: average CLV of a customer in the segment (EUR); right: that CLV divided by the cost of "
           "acquiring a customer in the segment; above the line at 1 a new customer pays back, 3 or more is "
           "the usual target.")
    cols = _columns(con, "mart_segment_clv")
    if not cols:
        return _missing(name, title, how, "No CLV chart: marts.mart_segment_clv is not in the serving copy.")
    rows = _fetch(con, f"""
        select segment_key, customers, clv, acquisition_cost, clv_to_acquisition_cost
        from marts.mart_segment_clv
        where clv is not null
        order by clv desc, segment_key
        limit {MAX_SEGMENTS}""")
    if not rows:
        return _missing(name, title, how, "No CLV chart: no segment has a CLV (the CLV models could not be fitted "
                                          "on this data; see marts.clv_model_fit).")
    labels = [r["segment_key"] for r in rows]
    left = _hbars(name + "_clv", "CLV per customer", labels, [_num(r["clv"]) for r in rows], _eur, w=440)
    right = _hbars(name + "_ratio", "CLV / acquisition cost", labels,
                   [_num(r["clv_to_acquisition_cost"]) for r in rows], lambda v: f"{v:.1f}×",
                   ref=1.0, ref_label="pays back", w=440)
    svg = (f'<div class="pair"><div><h3>CLV per customer (EUR)</h3>{left}</div>'
           f'<div><h3>CLV / acquisition cost</h3>{right}</div></div>')
    return Chart(name, title, how, svg=svg, attrs={"segments": len(rows)},
                 columns=["segment_key", "customers", "clv", "acquisition_cost", "clv_to_acquisition_cost"],
                 rows=rows)


def penetration_heatmap(con: duckdb.DuckDBPyConnection) -> Chart:
    name, title = "penetration_heatmap", "Product-group penetration per segment"
    how = ("each cell is the share of the segment's buying customers that buy the product group (darker = "
           "more); a pale cell in a row of dark ones is cross-sell room; cells outlined are groups relevant "
           "to the segment.")
    rows = _fetch(con, """
        select segment_key, product_group,
               max(segment_buying_customers) as customers,
               max(segment_group_buyers) as buyers,
               max(segment_buyer_share_pct) as buyer_share_pct,
               bool_or(is_relevant) as is_relevant
        from marts.mart_customer_penetration
        group by segment_key, product_group""")
    if rows is None:
        return _missing(name, title, how, "No heatmap: marts.mart_customer_penetration is not in the serving copy.")
    if not rows:
        return _missing(name, title, how, "No heatmap: no customer bought anything in the penetration window.")
    seg_size: dict[str, int] = {}
    grp_buyers: dict[str, int] = {}
    for r in rows:
        seg_size[r["segment_key"]] = max(seg_size.get(r["segment_key"], 0), r["customers"])
        grp_buyers[r["product_group"]] = grp_buyers.get(r["product_group"], 0) + r["buyers"]
    segs = sorted(seg_size, key=lambda s: (-seg_size[s], s))[:MAX_SEGMENTS]
    groups = sorted(grp_buyers, key=lambda g: (-grp_buyers[g], g))[:MAX_PRODUCT_GROUPS]
    cell = {(r["segment_key"], r["product_group"]): r for r in rows}
    left, top, cw, ch = 170, 110, max(28, min(60, (W - 170 - PAD_R) // max(len(groups), 1))), 20
    w, h = left + cw * len(groups) + 110, top + ch * len(segs) + 20
    out = [_svg_open(name, w=w, h=h, label=title)]
    for j, g in enumerate(groups):
        gx = left + j * cw + cw / 2
        out.append(f'<text class="tick" transform="translate({gx:.1f} {top - 6}) rotate(-50)">{_e(g)}</text>')
    drawn = []
    for i, s in enumerate(segs):
        yy = top + i * ch
        out.append(f'<text class="tick" x="{left - 6}" y="{yy + ch - 6}" text-anchor="end">{_e(s)}</text>')
        for j, g in enumerate(groups):
            r = cell.get((s, g))
            if r is None:
                continue
            share = _num(r["buyer_share_pct"]) or 0.0
            drawn.append({"segment_key": s, "product_group": g, "customers": r["customers"],
                          "buyers": r["buyers"], "buyer_share_pct": share, "is_relevant": r["is_relevant"]})
            alpha = 0.06 + 0.94 * share / 100
            stroke = ' stroke="#222" stroke-width="1.5"' if r["is_relevant"] else ""
            out.append(f'<rect class="cell" x="{left + j * cw}" y="{yy}" width="{cw - 1}" height="{ch - 1}" '
                       f'fill="rgb(31,90,160)" fill-opacity="{alpha:.3f}"{stroke} data-segment="{_e(s)}" '
                       f'data-group="{_e(g)}" data-value="{_e(_raw(share))}"><title>{_e(s)} × {_e(g)}: '
                       f'{share:.0f}% of {r["customers"]} buying customers</title></rect>')
            if cw >= 34:
                tone = "#fff" if share > 55 else "#222"
                out.append(f'<text class="cellval" x="{left + j * cw + cw / 2:.1f}" y="{yy + ch - 6}" '
                           f'text-anchor="middle" fill="{tone}">{share:.0f}</text>')
    out.append("</svg>")
    more = []
    if len(seg_size) > len(segs):
        more.append(f"{len(seg_size) - len(segs)} smaller segment(s)")
    if len(grp_buyers) > len(groups):
        more.append(f"{len(grp_buyers) - len(groups)} product group(s)")
    return Chart(name, title, how, svg="\n".join(out),
                 note=("Not shown: " + " and ".join(more) + ".") if more else "",
                 attrs={"segments": len(segs), "product_groups": len(groups)},
                 columns=["segment_key", "product_group", "customers", "buyers", "buyer_share_pct", "is_relevant"],
                 rows=drawn)


def sales_funnel(con: duckdb.DuckDBPyConnection) -> Chart:
    name, title = "sales_funnel", "Sales funnel, all segments, whole history"
    how = ("bar length = companies called, and of them those that reached an appointment, a quote and an order; the percentage between two bars "
           "is the hit rate from one step to the next.")
    rows = _fetch(con, "select calls, appointments, quotes, orders, call_to_appointment_pct, "
                       "appointment_to_quote_pct, quote_to_order_pct, call_to_order_pct, avg_won_order_value "
                       "from marts.mart_sales_funnel where segment_key = 'all' and period = 'all'")
    if rows is None:
        return _missing(name, title, how, "No funnel: marts.mart_sales_funnel is not in the serving copy.")
    if not rows or not any(rows[0][k] for k in ("calls", "appointments", "quotes", "orders")):
        return _missing(name, title, how, "No funnel: there are no CRM activities or opportunities in this data.")
    f = rows[0]
    steps = [("calls", f["calls"]), ("appointments", f["appointments"]), ("quotes", f["quotes"]),
             ("orders", f["orders"])]
    rates = [f["call_to_appointment_pct"], f["appointment_to_quote_pct"], f["quote_to_order_pct"]]
    top = max(v for _, v in steps) or 1
    bar_h, gap, h = 44, 30, PAD_T + 4 * 44 + 3 * 30 + 20
    cx, maxw = W / 2, W - 260
    out = [_svg_open(name, h=h, label=title)]
    for i, (lab, v) in enumerate(steps):
        bw = max(maxw * v / top, 2)
        yy = PAD_T + i * (bar_h + gap)
        out.append(f'<rect class="bar funnel" x="{cx - bw / 2:.1f}" y="{yy}" width="{bw:.1f}" height="{bar_h}" '
                   f'data-step="{lab}" data-value="{v}"><title>{lab}: {v:,}</title></rect>')
        if bw >= 190:
            out.append(f'<text class="funnel-label" x="{cx:.1f}" y="{yy + bar_h / 2 + 5}" text-anchor="middle">'
                       f'{lab}: {v:,}</text>')
        else:  # too narrow for its label: write it beside the bar
            out.append(f'<text class="funnel-label outside" x="{cx + bw / 2 + 8:.1f}" y="{yy + bar_h / 2 + 5}">'
                       f'{lab}: {v:,}</text>')
        if i < 3:
            out.append(f'<text class="annot" x="{cx:.1f}" y="{yy + bar_h + gap / 2 + 5}" text-anchor="middle">'
                       f'↓ {_pct(rates[i])}</text>')
    out.append("</svg>")
    return Chart(name, title, how, svg="\n".join(out),
                 note=f"Calls to orders: {_pct(f['call_to_order_pct'])}; average won order {_eur(f['avg_won_order_value'])}.",
                 attrs={**{k: v for k, v in steps}, "call_to_appointment_pct": rates[0],
                        "appointment_to_quote_pct": rates[1], "quote_to_order_pct": rates[2],
                        "call_to_order_pct": f["call_to_order_pct"], "avg_won_order_value": f["avg_won_order_value"]})


def prospect_targets(con: duckdb.DuckDBPyConnection) -> Chart:
    name, title = "prospect_targets", f"Prospect target list: the top {TOP_TARGETS}"
    how = ("who sales should call first: ex-customers, lapsed customers and prospects in the most attractive "
           "segments, in order of target rank; the reason column says why each is on the list.")
    cols = _columns(con, "mart_prospect_targets")
    if not cols:
        return _missing(name, title, how, "No target list: marts.mart_prospect_targets is not in the serving copy.")
    extra = [c for c in ("company_name", "lifetime_revenue") if c in cols]
    shown = ["target_rank", "customer_key", *extra, "lifecycle_status", "segment_key", "attractiveness_rank", "reason"]
    rows = _fetch(con, f"select {', '.join(shown)} from marts.mart_prospect_targets "
                       f"order by target_rank limit {TOP_TARGETS}")
    if not rows:
        return _missing(name, title, how, "No target list: no ex-customer, lapsed customer or prospect qualifies.")
    total = con.execute("select count(*) from marts.mart_prospect_targets").fetchone()[0]
    summary = _fetch(con, "select addresses_needed, addresses_available, note from marts.mart_prospect_targets_summary")
    note = f"{total:,} targets in all."
    attrs: dict[str, Any] = {"targets": total, "shown": len(rows)}
    if summary:
        s = summary[0]
        note += f" Addresses needed this planning period: {_int(s['addresses_needed'])}, available: {_int(s['addresses_available'])}."
        if s.get("note"):
            note += f" {s['note']}"
        attrs["addresses_needed"] = s["addresses_needed"]
    return Chart(name, title, how, note=note, attrs=attrs, columns=shown, rows=rows, visible_table=True)


def knife_edge_segments(con: duckdb.DuckDBPyConnection) -> Chart:
    """What-if (issue 21): per segment the lever whose smallest change turns its profit, and the unused capacity."""
    name, title = "knife_edge_segments", "Segments on a knife's edge: the lever change that turns their profit"
    how = ("each bar is a segment's break-even change: how far its most sensitive lever (in brackets) may move "
           "before the segment's net profit turns: a profit into a loss, or a loss into a profit (bars left of zero "
           "are a price cut or lower cost, right of zero a price rise or higher cost). Short bars sit on a "
           "knife's edge; the table gives each segment's net profit now.")
    if not _columns(con, "mart_segment_sensitivity"):
        return _missing(name, title, how, "No what-if chart: marts.mart_segment_sensitivity is not in the serving copy.")
    rows = _fetch(con, f"""
        select segment_key, lever, net_profit, profit_change_per_pct, break_even_change_pct, flips_within_10pct
        from (select *, row_number() over (partition by segment_key
                                           order by abs(break_even_change_pct), lever) as n
              from marts.mart_segment_sensitivity where break_even_change_pct is not null)
        where n = 1
        order by abs(break_even_change_pct), segment_key
        limit {MAX_SEGMENTS}""")
    if not rows:
        return _missing(name, title, how, "No what-if chart: no segment turns within ±100 % of any lever.")
    labels = [f"{r['segment_key']} ({r['lever']})" for r in rows]
    values = [_num(r["break_even_change_pct"]) for r in rows]
    svg = _hbars(name, title, labels, values, lambda v: f"{v:+.1f} %")
    unused = con.execute("select coalesce(sum(unused_capacity_amount), 0) from marts.mart_cost_reconciliation"
                         ).fetchone()[0] if "unused_capacity_amount" in _columns(con, "mart_cost_reconciliation") else None
    flips = sum(1 for r in rows if r["flips_within_10pct"])
    note = f"{flips} of these segments turn with a lever move of less than 10 %."
    if unused is not None:
        note += (f" Unused capacity of time-driven teams, not charged to customers: {_eur(unused)} "
                 "(marts.mart_cost_reconciliation.unused_capacity_amount).")
    return Chart(name, title, how, svg=svg, note=note,
                 attrs={"segments": len(rows), "flips_within_10pct": flips, "unused_capacity_amount": unused},
                 columns=["segment_key", "lever", "net_profit", "profit_change_per_pct", "break_even_change_pct",
                          "flips_within_10pct"], rows=rows)


CHARTS = (whale_curve, segment_map, segment_clv, penetration_heatmap, sales_funnel, prospect_targets,
          knife_edge_segments)


# --------------------------------------------------------------------------- page

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#1f3a5f;color:#fff;padding:18px 32px}header h1{margin:0;font-size:24px}header p{margin:4px 0 0;opacity:.85}
main{max-width:1180px;margin:0 auto;padding:16px 24px 48px}
.chart{overflow-x:auto;background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:14px 20px;margin:18px 0}
.chart h2{font-size:18px;margin:0 0 4px}.how{margin:0 0 10px;color:#555;font-size:14px}
.note{color:#555;font-size:14px;margin:8px 0 0}.chart[data-status=missing] .note{color:#8a5a00;font-weight:600}
svg.plot{max-width:100%;height:auto;display:block;font-size:12px}
.grid{stroke:#e6e8eb}.axis{stroke:#555}.ref{stroke:#c0392b;stroke-dasharray:4 3}.tick{fill:#444}.label{fill:#333;font-size:13px}
.curve{fill:none;stroke:#1f5aa0;stroke-width:2.5}.peak{fill:#c0392b}.annot{fill:#c0392b;font-size:12px}
.bubble{fill:#1f5aa0;fill-opacity:.45;stroke:#1f5aa0}.bubble.clipped{fill:none;stroke-dasharray:3 2}.bubble-label{font-size:10px;fill:#333}
.bar{fill:#1f5aa0}.bar.neg{fill:#c0392b}.val{font-size:11px;fill:#333}.muted{fill:#999}
.bar.funnel{fill:#3b7dd8}.funnel-label{fill:#fff;font-weight:600;font-size:14px}.funnel-label.outside{fill:#222}.cellval{font-size:10px}
.pair h3{font-size:14px;margin:4px 0}.pair{display:grid;grid-template-columns:1fr 1fr;gap:8px}
table.chart-data{border-collapse:collapse;width:100%;font-size:12px}
table.chart-data th,table.chart-data td{border-bottom:1px solid #e6e8eb;padding:4px 6px;text-align:left;vertical-align:top}
table.chart-data th{background:#f0f2f5}td[data-col=reason]{min-width:240px}
footer{color:#777;font-size:12px;text-align:center;padding:16px}
"""


def render(con: duckdb.DuckDBPyConnection, serving: Path) -> str:
    published = _fetch(con, "select published_at, deliveries from marts.publish_log order by published_at desc limit 1")
    as_of = _fetch(con, "select max(as_of_date) as as_of_date from marts.dim_customer")
    stamp = []
    if as_of and as_of[0]["as_of_date"]:
        stamp.append(f"figures as of {as_of[0]['as_of_date']}")
    if published:
        stamp.append(f"published {published[0]['published_at']:%Y-%m-%d %H:%M %Z}")
    charts = []
    for fn in CHARTS:
        try:
            charts.append(fn(con).html())
        except duckdb.Error as e:  # a mart in an unexpected shape: say so, keep the rest of the report
            charts.append(Chart(fn.__name__, fn.__name__.replace("_", " "), "",
                                note=f"This chart could not be drawn: {str(e).splitlines()[0]}").html())
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>kansrijk segment report</title>",
        f"<style>{CSS}</style></head><body>",
        "<header><h1>kansrijk: which customers and segments are worth our time</h1>",
        f"<p>{_e('; '.join(stamp) or 'from the serving copy')} · source {_e(serving.name)}</p></header>",
        "<main>",
        *charts,
        "</main>",
        "<footer>Written by <code>python -m kansrijk.report</code> from the read-only serving copy. "
        "Every figure is in the marts schema; see docs/analyst-quickstart.md to query them.</footer>",
        "</body></html>",
    ])


def write_report(settings: Settings | None = None) -> Path:
    """Write `<data dir>/report/index.html` from the serving copy; return its path."""
    s = settings or settings_mod.load()
    if not s.serving.exists():
        raise ReportError(f"No serving copy at {s.serving}: run `make run` (or set SERVING) first.")
    with duckdb.connect(str(s.serving), read_only=True) as con:
        page = render(con, s.serving)
    out = s.report_dir / "index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)  # a reader never sees half a report
    return out


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    try:
        path = write_report(settings_mod.load())
    except (SettingError, ReportError) as e:
        print(f"kansrijk: {e}", file=sys.stderr)
        return 1
    print(f"kansrijk: wrote the segment report to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
