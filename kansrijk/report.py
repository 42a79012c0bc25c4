"""The offline segment report: one HTML file drawn from the serving copy.

`python -m kansrijk.report` (`make report`) opens the published serving copy read-only and
writes `<data dir>/report/index.html`. The file is self-contained: no scripts, fonts or
stylesheets from elsewhere, every chart an inline SVG drawn by matplotlib (imported only when
a chart is drawn). Each chart sits in an element `data-chart="<name>"` whose `data-*` attributes
and hidden `<table class="chart-data">` hold the exact figures it shows, so a test (or a curious
analyst) can check them against the marts. A mart that is missing or empty gives a note in place of its chart, never a failure.

The Dagster report asset calls :func:`write_report`.
"""

from __future__ import annotations

import argparse
import functools
import html
import io
import math
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
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


# --------------------------------------------------------------------------- drawing (matplotlib)
#
# Every chart is drawn by matplotlib into an inline SVG string. matplotlib is imported only when
# the first chart is drawn, so importing kansrijk.report (the Dagster definitions do) stays cheap.
# pyplot is never used: a bare Figure saved as "svg" renders with matplotlib's SVG backend and
# touches no GUI backend and no global figure state; the settings below are applied per drawing
# (rc_context), never to the process. The helpers are the whole vocabulary; a new chart is a
# query and one call:
#   _line_chart  a curve, an optional horizontal reference line and one marked point
#   _scatter     labelled bubbles (radius from a size figure), hollow ones for clipped values
#   _hbar_chart  horizontal bars with their values and an optional reference line (alias _hbars)
#   _heatmap     a grid of shaded cells (0-100) with their values, some outlined
#   _funnel      centred bars for consecutive steps with the hit rate between two steps
#   _pair        two drawings side by side, each under its own heading
# Each writes a tooltip per drawn mark (shown on hover). Labels inside the plot are left out of
# the constrained layout (in_layout=False): measuring hundreds of cell texts twice is most of the time.

W, H = 880, 420   # default drawing size in CSS pixels (one SVG unit is one pixel)
BLUE, RED, FUNNEL_BLUE, INK, MUTED, GRID = "#1f5aa0", "#c0392b", "#3b7dd8", "#333333", "#999999", "#e6e8eb"

_RC = {
    # text stays text (<text>, set by the browser in its sans-serif); matplotlib measures it with
    # the DejaVu Sans it ships, so the layout does not depend on the fonts of the machine
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "text.parse_math": False,              # a "$" in a segment or company name is just a dollar
    # the same data gives the same bytes: fixed salt for the ids matplotlib hashes
    "svg.hashsalt": "kansrijk-report",
    "font.size": 12,
    "axes.labelsize": 13,
    "axes.labelcolor": INK,
    "axes.edgecolor": "#555555",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 1.0,
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "figure.facecolor": "white",
}
_PX = 72  # matplotlib's SVG unit is the point (1/72 inch): a figure of w/72 inches is w units wide


@functools.cache
def _mpl() -> SimpleNamespace:
    """matplotlib, imported on first use (about a second: not at import of kansrijk.report)."""
    import matplotlib
    from matplotlib import ticker
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    return SimpleNamespace(rc_context=matplotlib.rc_context, Figure=Figure, ticker=ticker, Rectangle=Rectangle)


@contextmanager
def _figure(w: float, h: float, layout: str | None = "constrained"):
    """A matplotlib Figure of w × h pixels, drawn under the report's settings."""
    mpl = _mpl()
    with mpl.rc_context(_RC):
        yield mpl.Figure(figsize=(w / _PX, h / _PX), layout=layout)


def _svg(fig, name: str, title: str, tips: dict[str, str] | None = None) -> str:
    """The figure as an inline <svg> element: no XML prolog, metadata or xlink namespace (the
    report holds no URL), ids prefixed with the chart name (unique in the page), sized in pixels,
    with a <title> tooltip in each group whose gid is a key of `tips`. Call inside `_figure`."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    s = buf.getvalue()
    s = s[s.index("<svg"):]
    s = re.sub(r"\s*<metadata>.*?</metadata>", "", s, flags=re.S)
    s = s.replace('<style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style>', "")
    s = s.replace("xlink:href=", "href=")
    s = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{name}-{m[1]}"', s)
    s = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#{name}-{m[1]})", s)
    s = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{name}-{m[1]}"', s)
    for gid, tip in (tips or {}).items():
        s = s.replace(f'<g id="{name}-{gid}">', f'<g id="{name}-{gid}"><title>{_e(tip)}</title>', 1)
    head = re.match(r"<svg [^>]*>", s)
    vb = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', head[0])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" data-svg="{_e(name)}" role="img" '
            f'aria-label="{_e(title)}" viewBox="0 0 {vb[1]} {vb[2]}" width="{vb[1]}" height="{vb[2]}">'
            + s[head.end():])


def _fmt(fmt):
    return _mpl().ticker.FuncFormatter(lambda v, _pos: fmt(v))


def _line_chart(name: str, title: str, xs: list[float], ys: list[float], *, xlabel: str, ylabel: str,
                xfmt=lambda v: f"{v:g}", yfmt=lambda v: f"{v:g}", xlim: tuple[float, float] | None = None,
                ylim: tuple[float, float] | None = None, ref_y: float | None = None,
                mark: tuple[float, float, str] | None = None, w: int = W, h: int = H) -> str:
    """A curve through (xs, ys); a dashed red line at ref_y; `mark` = (x, y, label): a red dot with its label."""
    with _figure(w, h) as fig:
        ax = fig.add_subplot()
        ax.plot(xs, ys, color=BLUE, linewidth=2.5, solid_joinstyle="round")
        if ref_y is not None:
            ax.axhline(ref_y, color=RED, linewidth=1, linestyle=(0, (4, 3)))
        tips = {}
        if mark is not None:
            mx, my, label = mark
            ax.plot([mx], [my], "o", color=RED, markersize=10, gid="mark", clip_on=False)
            right = xlim is not None and mx > (xlim[0] + xlim[1]) / 2
            ax.annotate(label, (mx, my), xytext=(-12 if right else 12, 8), textcoords="offset points",
                        ha="right" if right else "left", va="bottom", color=RED, fontsize=12)
            tips["mark"] = label
        if xlim:
            ax.set_xlim(*xlim)
        if ylim:
            ax.set_ylim(*ylim)
        ax.xaxis.set_major_formatter(_fmt(xfmt))
        ax.yaxis.set_major_formatter(_fmt(yfmt))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        return _svg(fig, name, title, tips)


def _tracking_lines(name: str, title: str, rows: list[dict], holdout_from: float | None, w: int = W, h: int = H) -> str:
    """Cumulative actual (solid) and expected (dashed) repeat purchases per week from 0; a vertical
    line where the holdout starts."""
    with _figure(w, h) as fig:
        ax = fig.add_subplot()
        tips = {}
        for col, style, color in (("actual", "-", BLUE), ("expected", (0, (6, 4)), RED)):
            pts = [(r["week"], _num(r[col])) for r in rows if r[col] is not None]
            if pts:
                xs, ys = zip(*([(0, 0.0)] + pts))
                ax.plot(xs, ys, color=color, linewidth=2.2, linestyle=style, label=col, gid=f"line-{col}")
                tips[f"line-{col}"] = f"{col}: {_int(pts[-1][1])} through week {pts[-1][0]}"
        if holdout_from is not None:
            ax.axvline(holdout_from, color="#555555", linewidth=1, linestyle=(0, (2, 3)))
            ax.annotate("holdout", (holdout_from, 1), xycoords=("data", "axes fraction"), xytext=(6, -14),
                        textcoords="offset points", fontsize=11, color="#555555")
        ax.set_xlim(0, max(r["week"] for r in rows))
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_formatter(_fmt(lambda v: f"{v:g}"))
        ax.yaxis.set_major_formatter(_fmt(lambda v: f"{v:,.0f}"))
        ax.set_xlabel("week (week 1 = the first purchase in the data)")
        ax.set_ylabel("cumulative repeat purchases")
        ax.legend(loc="upper left", frameon=False)
        return _svg(fig, name, title, tips)


def _scatter(name: str, title: str, points: list[dict], *, xlabel: str, ylabel: str,
             xfmt=lambda v: f"{v:g}", yfmt=lambda v: f"{v:g}", xlim: tuple[float, float] | None = None,
             ylim: tuple[float, float] | None = None, integer_x: bool = False, ref_y: float | None = None,
             w: int = W, h: int = H) -> str:
    """Bubbles; each point: x, y, radius (px), label (in a large bubble, else above it), tip
    (tooltip), hollow (bool). Drawn largest first so small bubbles stay on top."""
    with _figure(w, h) as fig:
        ax = fig.add_subplot()
        if ref_y is not None:
            ax.axhline(ref_y, color=RED, linewidth=1, linestyle=(0, (4, 3)))
        tips = {}
        for i, p in enumerate(sorted(points, key=lambda p: -p["radius"])):
            hollow = p.get("hollow", False)
            ax.scatter([p["x"]], [p["y"]], s=(2 * p["radius"]) ** 2, clip_on=False, gid=f"pt{i}",
                       facecolors="none" if hollow else BLUE, alpha=None,
                       edgecolors=BLUE, linewidths=1.2, linestyles=(0, (3, 2)) if hollow else "solid")
            if not hollow:  # translucent fill, opaque rim
                ax.collections[-1].set_facecolor((0.122, 0.353, 0.627, 0.45))
            tips[f"pt{i}"] = p.get("tip", p["label"])
            inside = p["radius"] >= 18 and not hollow  # a large bubble carries its label (fewer overlaps)
            ax.annotate(p["label"], (p["x"], p["y"]), xytext=(0, 0 if inside else p["radius"] + 3),
                        textcoords="offset points", ha="center", va="center" if inside else "bottom",
                        fontsize=10, color=INK, annotation_clip=False)
        if xlim:
            ax.set_xlim(*xlim)
        if ylim:
            ax.set_ylim(*ylim)
        if integer_x:
            ax.xaxis.set_major_locator(_mpl().ticker.MaxNLocator(nbins=10, integer=True, min_n_ticks=1))
        ax.xaxis.set_major_formatter(_fmt(xfmt))
        ax.yaxis.set_major_formatter(_fmt(yfmt))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        return _svg(fig, name, title, tips)


def _hbar_chart(name: str, title: str, labels: list[str], values: list[float | None], fmt,
                ref: float | None = None, ref_label: str = "", w: int = W) -> str:
    """One horizontal bar per label (top to bottom in the order given), its value written at its
    end by `fmt`; negative bars red, a None value says "no figure"; a dashed line at `ref`."""
    values = [_num(v) for v in values]  # Decimal from a mart, NaN or None: a float or "no figure"
    n = max(len(labels), 1)
    h = 50 + n * 21 + 40
    vals = [v for v in values if v is not None]
    with _figure(w, h) as fig:
        ax = fig.add_subplot()
        tips = {}
        drawn = [i for i, v in enumerate(values) if v is not None]
        # one barh call for all bars (a call per bar costs ten times more), then a tooltip per bar
        bars = ax.barh(drawn, [values[i] for i in drawn], height=0.76,
                       color=[RED if values[i] < 0 else BLUE for i in drawn])
        for i, bar in zip(drawn, bars):
            bar.set_gid(f"bar{i}")
            tips[f"bar{i}"] = f"{labels[i]}: {fmt(values[i])}"
        for i, (lab, v) in enumerate(zip(labels, values)):
            if v is None:
                ax.annotate("no figure", (0, i), xytext=(4, 0), textcoords="offset points", va="center",
                            color=MUTED, fontsize=11, in_layout=False)
                continue
            # the value right of the bar, or right of zero for a negative bar (clear of the labels)
            ax.annotate(fmt(v), (max(v, 0.0), i), xytext=(4, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=11, color=INK, in_layout=False)
        lo = min([0.0] + vals + ([ref] if ref is not None else []))
        hi = max([0.0] + vals + ([ref] if ref is not None else []))
        span = (hi - lo) or 1.0
        ax.set_xlim(lo - 0.02 * span, hi + 0.2 * span)  # room for the value labels
        ax.set_ylim(len(labels) - 0.5 if labels else 0.5, -0.5)
        ax.set_yticks(range(len(labels)), [str(lab) for lab in labels])
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="y", visible=False)
        ax.xaxis.set_major_locator(_mpl().ticker.MaxNLocator(nbins=5))
        ax.xaxis.set_major_formatter(_fmt(fmt))
        if ref is not None:
            ax.axvline(ref, color=RED, linewidth=1, linestyle=(0, (4, 3)))
            ax.annotate(ref_label, (ref, -0.5), xytext=(4, 2), textcoords="offset points", va="bottom",
                        color=RED, fontsize=12, annotation_clip=False)
        return _svg(fig, name, title, tips)


# the name the chart functions (and branches adding charts) call
_hbars = _hbar_chart


def _pair(left_title: str, left: str, right_title: str, right: str) -> str:
    """Two drawings side by side (CSS class `pair`, a two-column grid), each under its heading."""
    return (f'<div class="pair"><div><h3>{_e(left_title)}</h3>{left}</div>'
            f'<div><h3>{_e(right_title)}</h3>{right}</div></div>')


def _heatmap(name: str, title: str, rows: list[str], cols: list[str], cells: dict[tuple[int, int], dict],
             cell_w: int = 40, cell_h: int = 20, show_values: bool = True) -> str:
    """A grid: rows down the left, columns rotated along the top; cells[(i, j)] = value (0-100,
    shade), text (written in the cell when show_values), tip, outlined (bool). Absent cells stay blank."""
    w = 170 + cell_w * len(cols) + 110
    h = 110 + cell_h * len(rows) + 20
    mpl = _mpl()
    with _figure(w, h) as fig:
        ax = fig.add_subplot()
        tips = {}
        for (i, j), c in sorted(cells.items()):
            share = min(max(c["value"], 0.0), 100.0)
            gid = f"c{i}-{j}"
            # add_artist, not add_patch: the limits are set below, no need to grow them per cell
            ax.add_artist(mpl.Rectangle((j + 0.02, i + 0.04), 0.96, 0.92, gid=gid,
                                       facecolor=(0.122, 0.353, 0.627, 0.06 + 0.94 * share / 100),
                                       edgecolor="#222222" if c.get("outlined") else "none",
                                       linewidth=1.5 if c.get("outlined") else 0))
            tips[gid] = c.get("tip", "")
            if show_values:
                ax.text(j + 0.5, i + 0.5, c["text"], ha="center", va="center", fontsize=10,
                        color="#ffffff" if share > 55 else "#222222", in_layout=False)
        ax.set_xlim(0, max(len(cols), 1))
        ax.set_ylim(max(len(rows), 1), 0)
        ax.set_xticks([j + 0.5 for j in range(len(cols))], cols, rotation=50, ha="left", rotation_mode="anchor")
        ax.set_yticks([i + 0.5 for i in range(len(rows))], rows)
        ax.xaxis.tick_top()
        ax.tick_params(length=0)
        ax.grid(False)
        for side in ax.spines.values():
            side.set_visible(False)
        return _svg(fig, name, title, tips)


def _funnel(name: str, title: str, steps: list[tuple[str, float]], rates: list[str], w: int = W) -> str:
    """Centred bars, widest = the largest step, each labelled "step: count"; between two bars the
    text of `rates` (one fewer than steps). Drawn in pixel coordinates."""
    bar_h, gap, top_pad = 44, 30, 20
    h = top_pad + len(steps) * bar_h + (len(steps) - 1) * gap + 20
    top = max((v for _, v in steps), default=0) or 1
    cx, maxw = w / 2, w - 260
    mpl = _mpl()
    with _figure(w, h, layout=None) as fig:
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
        ax.set_axis_off()
        tips = {}
        for i, (lab, v) in enumerate(steps):
            bw = max(maxw * v / top, 2)
            yy = top_pad + i * (bar_h + gap)
            ax.add_patch(mpl.Rectangle((cx - bw / 2, yy), bw, bar_h, facecolor=FUNNEL_BLUE, gid=f"step{i}"))
            tips[f"step{i}"] = f"{lab}: {v:,}"
            if bw >= 190:
                ax.text(cx, yy + bar_h / 2, f"{lab}: {v:,}", ha="center", va="center", color="white",
                        fontsize=14, fontweight="bold")
            else:  # too narrow for its label: write it beside the bar
                ax.text(cx + bw / 2 + 8, yy + bar_h / 2, f"{lab}: {v:,}", ha="left", va="center",
                        color="#222222", fontsize=14, fontweight="bold")
            if i < len(rates):
                ax.text(cx, yy + bar_h + gap / 2, f"↓ {rates[i]}", ha="center", va="center", color=RED, fontsize=12)
        return _svg(fig, name, title, tips)


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
    # the figures come from the published summary (one definition, in dbt); the curve draws its points
    summary = _fetch(con, "select peak_profit_pct, peak_customer_pct, customers, value_destroying_customers, "
                          "total_net_profit from marts.mart_whale_curve_summary")
    if not summary or summary[0]["peak_profit_pct"] is None:
        return _missing(name, title, how, "No whale curve summary: marts.mart_whale_curve_summary is missing or "
                                          "empty in the serving copy.")
    sm = summary[0]
    peak_pct, peak_cust = _num(sm["peak_profit_pct"]), _num(sm["peak_customer_pct"])
    peak_i = min(range(len(pts)), key=lambda i: (abs(pts[i][1] - peak_cust), abs(pts[i][2] - peak_pct)))
    peak = (pts[peak_i][0], peak_cust, peak_pct)
    total = _num(sm["total_net_profit"]) or 0.0
    ymin = min(0.0, min(p[2] for p in pts))
    ymax = max(100.0, peak[2])
    pad = (ymax - ymin) * 0.05
    # every n-th customer is enough for a 880-pixel line; the peak and the last customer always stay
    keep = set(range(0, len(pts), max(1, len(pts) // WHALE_POINTS))) | {peak_i, len(pts) - 1}
    path = [(0.0, 0.0)] + [(pts[i][1], pts[i][2]) for i in sorted(keep)]
    svg = _line_chart(name, title, [a for a, _ in path], [b for _, b in path],
                      xlabel="cumulative % of customers (most profitable first)",
                      ylabel="cumulative % of net profit", xfmt=lambda v: f"{v:g}%", yfmt=lambda v: f"{v:g}%",
                      xlim=(0, 100), ylim=(ymin - pad, ymax + pad), ref_y=100.0,
                      mark=(peak[1], peak[2], f"peak {peak[2]:.1f}% of profit at {peak[1]:.1f}% of customers"))
    losers = int(sm["value_destroying_customers"] or 0)
    return Chart(
        name, title, how, svg=svg,
        note=(f"{int(sm['customers']):,} customers, total net profit {_eur(total)}; {losers:,} customers lose money and "
              f"take {max(peak[2] - 100, 0):.1f} percentage points of profit back from the peak."),
        attrs={"peak_profit_pct": peak[2], "peak_customer_pct": peak[1], "peak_rank": peak[0],
               "customers": int(sm["customers"]), "value_destroying_customers": losers,
               "total_net_profit": round(total, 2)},
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
    pad = max(hi - lo, 1.0) * 0.1  # room for the largest bubbles and their labels
    rmax = max(max(_num(r["revenue"]) or 0 for r in drawn), 1.0)
    points = []
    for r in drawn:
        m = _num(r["net_margin_pct"])
        points.append({
            "x": r["attractiveness_rank"], "y": min(max(m, -MARGIN_CLIP), MARGIN_CLIP),
            "radius": 4 + 26 * math.sqrt(max(_num(r["revenue"]) or 0, 0) / rmax),
            "label": str(r["segment_key"]), "hollow": abs(m) > MARGIN_CLIP,
            "tip": (f"{r['segment_key']}: rank {r['attractiveness_rank']}, net margin {_pct(m)}, "
                    f"revenue {_eur(r['revenue'])}")})
    svg = _scatter(name, title, points, xlabel="attractiveness rank (1 = most attractive)", ylabel="net margin %",
                   yfmt=lambda v: f"{v:g}%", xlim=(0, max(ranks) + 1), ylim=(lo - pad, hi + 1.5 * pad),
                   integer_x=True, ref_y=0.0, w=1100)  # wide: up to 40 labelled bubbles side by side
    skipped = len(rows) - len(drawn)
    beyond = [r["segment_key"] for r in drawn if abs(_num(r["net_margin_pct"])) > MARGIN_CLIP]
    notes = []
    if beyond:
        notes.append(f"Hollow bubbles lie beyond the axis (net margin outside ±{MARGIN_CLIP:g}%): {', '.join(beyond)}.")
    if skipped:
        notes.append(f"{skipped} ranked segment(s) without revenue are not drawn.")
    return Chart(name, title, how, svg=svg,
                 note=" ".join(notes),
                 attrs={"segments": len(drawn)},
                 columns=["segment_key", "attractiveness_rank", "attractiveness_score", "revenue",
                          "net_profit", "net_margin_pct"],
                 rows=drawn)


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
    svg = _pair("CLV per customer (EUR)", left, "CLV / acquisition cost", right)
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
    cw = max(28, min(60, (W - 170 - 30) // max(len(groups), 1)))
    drawn, cells = [], {}
    for i, s in enumerate(segs):
        for j, g in enumerate(groups):
            r = cell.get((s, g))
            if r is None:
                continue
            share = _num(r["buyer_share_pct"]) or 0.0
            drawn.append({"segment_key": s, "product_group": g, "customers": r["customers"],
                          "buyers": r["buyers"], "buyer_share_pct": share, "is_relevant": r["is_relevant"]})
            cells[(i, j)] = {"value": share, "text": f"{share:.0f}", "outlined": bool(r["is_relevant"]),
                             "tip": f"{s} × {g}: {share:.0f}% of {r['customers']} buying customers"}
    svg = _heatmap(name, title, [str(s) for s in segs], [str(g) for g in groups], cells, cell_w=cw,
                   show_values=cw >= 34)
    more = []
    if len(seg_size) > len(segs):
        more.append(f"{len(seg_size) - len(segs)} smaller segment(s)")
    if len(grp_buyers) > len(groups):
        more.append(f"{len(grp_buyers) - len(groups)} product group(s)")
    return Chart(name, title, how, svg=svg,
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
    svg = _funnel(name, title, steps, [_pct(r) for r in rates])
    return Chart(name, title, how, svg=svg,
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


def clv_tracking(con: duckdb.DuckDBPyConnection) -> Chart:
    name, title = "clv_tracking", "CLV tracking: expected against actual repeat purchases, week by week"
    how = ("cumulative repeat purchases of the customers the CLV model learned from: the dashed line is what the "
           "model expects, the solid one what they bought; weeks right of the vertical line are the holdout, which "
           "the model did not see. Lines that stay together mean the CLV figures can be trusted.")
    rows = _fetch(con, "select week, week_end, is_holdout, expected_cumulative_repeat_purchases as expected, "
                       "actual_cumulative_repeat_purchases as actual from marts.clv_tracking order by week")
    if rows is None:
        return _missing(name, title, how, "No tracking curve: marts.clv_tracking is not in the serving copy.")
    if not rows:
        return _missing(name, title, how, "No tracking curve: no customer has a purchase in the CLV window.")
    last = rows[-1]
    fitted = last["expected"] is not None
    holdout = [r["week"] for r in rows if r["is_holdout"]]
    svg = _tracking_lines(name, title, rows, holdout[0] - 0.5 if holdout else None)
    note = (f"Through week {last['week']} ({last['week_end']}): {_int(last['actual'])} repeat purchases, "
            + (f"{_int(last['expected'])} expected." if fitted else
               "no expected curve: the BG/NBD model could not be fitted (see marts.clv_model_fit).")
            + ("" if holdout else " No holdout window is set, so every week is calibration (docs: clv_holdout_window)."))
    return Chart(name, title, how, svg=svg, note=note,
                 attrs={"weeks": len(rows), "holdout_weeks": len(holdout), "expected_final": last["expected"],
                        "actual_final": last["actual"]},
                 columns=["week", "week_end", "is_holdout", "expected", "actual"], rows=rows)


def customers_at_risk(con: duckdb.DuckDBPyConnection) -> Chart:
    name, title = "customers_at_risk", f"Customers at risk: the top {TOP_TARGETS} by value at risk"
    how = ("valuable customers that are slipping (P(alive) low, or silent well beyond their own rhythm), most "
           "value at risk first; the reason says why. `make lists` writes the list per account owner for the CRM.")
    cols = ["at_risk_rank", "company_name", "owner", "crm_account_id", "prob_alive_pct", "value_at_risk", "reason"]
    rows = _fetch(con, "select at_risk_rank, company_name, owner, crm_account_id, prob_alive * 100 as prob_alive_pct, "
                       f"value_at_risk, reason from marts.mart_customer_at_risk order by at_risk_rank limit {TOP_TARGETS}")
    if rows is None:
        return _missing(name, title, how, "No at-risk list: marts.mart_customer_at_risk is not in the serving copy.")
    if not rows:
        return _missing(name, title, how, "No customer at risk: no valuable customer is slipping.")
    total, value = con.execute(
        "select count(*), coalesce(sum(value_at_risk), 0) from marts.mart_customer_at_risk").fetchone()
    return Chart(name, title, how, note=f"{total:,} customers at risk, {_eur(value)} gross margin a year at stake.",
                 attrs={"customers": total, "value_at_risk": value}, columns=cols, rows=rows, visible_table=True)


# --- stock (issue 22) ----------------------------------------------------------------------------
def segment_stock(con: duckdb.DuckDBPyConnection) -> Chart:
    name, title = "segment_stock", "Stock tied up per segment"
    how = ("left: stock value held for the segment's customers (each product's stock spread over the segments "
           "by their share of its demand), EUR; right: that stock per euro of margin the segment earned in the "
           "window. Segments in order of attractiveness; long bars low in the list are working capital serving "
           "unattractive segments. '(no demand)' is stock nobody bought in the window.")
    if not _columns(con, "mart_segment_stock"):
        return _missing(name, title, how, "No stock chart: marts.mart_segment_stock is not in the serving copy.")
    rows = _fetch(con, f"""
        select segment_key, attractiveness_rank, customers, margin_window, stock_value, excess_stock_value,
               stock_per_margin_eur
        from marts.mart_segment_stock
        where stock_value is not null
        order by is_unallocated, attractiveness_rank nulls last, segment_key
        limit {MAX_SEGMENTS}""")
    if not rows:
        return _missing(name, title, how, "No stock chart: the landing set has no erp_stock_levels, so there is no "
                                          "stock to weigh (the stock policy in marts.mart_product_stock_policy stands).")
    total = con.execute("select sum(stock_value), sum(excess_stock_value) from marts.mart_segment_stock").fetchone()
    labels = [r["segment_key"] for r in rows]
    left = _hbars(name + "_value", "Stock value", labels, [_num(r["stock_value"]) for r in rows], _eur, w=440)
    right = _hbars(name + "_per_margin", "Stock per euro of margin", labels,
                   [_num(r["stock_per_margin_eur"]) for r in rows], lambda v: f"{v:.2f}", w=440)
    svg = _pair("Stock value (EUR)", left, "Stock per euro of window margin", right)
    note = f"Stock value {_eur(total[0])} in all, of which {_eur(total[1])} above the stock policy's maximum."
    return Chart(name, title, how, svg=svg, note=note,
                 attrs={"segments": len(rows), "stock_value": total[0], "excess_stock_value": total[1]},
                 columns=["segment_key", "attractiveness_rank", "customers", "margin_window", "stock_value",
                          "excess_stock_value", "stock_per_margin_eur"], rows=rows)



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
          clv_tracking, customers_at_risk, segment_stock, knife_edge_segments)


# --------------------------------------------------------------------------- page

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#1f3a5f;color:#fff;padding:18px 32px}header h1{margin:0;font-size:24px}header p{margin:4px 0 0;opacity:.85}
main{max-width:1180px;margin:0 auto;padding:16px 24px 48px}
.chart{overflow-x:auto;background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:14px 20px;margin:18px 0}
.chart h2{font-size:18px;margin:0 0 4px}.how{margin:0 0 10px;color:#555;font-size:14px}
.note{color:#555;font-size:14px;margin:8px 0 0}.chart[data-status=missing] .note{color:#8a5a00;font-weight:600}
svg.plot{max-width:100%;height:auto;display:block;stroke-linejoin:round}
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
