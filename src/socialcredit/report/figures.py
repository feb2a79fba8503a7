"""The report's figures: one function per figure, each a plain Matplotlib `Figure` (Agg canvas).

Every figure is meant to be read at a glance: a title that says what it shows, axis labels
with units (week, score points, share of agents, per 1,000 agents), a legend, and the
Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008, "Color Universal Design"). Colours
are fixed per tier (ordered from the worst tier in vermillion to the best in blue) and per
group (in the scenario's order), so a tier or a group has the same colour in every figure.

Figures never touch pyplot's global state: they are built on `matplotlib.figure.Figure`
with an explicit Agg canvas, so a report can be written from a notebook, a server thread or
a headless job alike. Measures that are undefined (scores when nobody is enrolled: the
no-system preset) are not drawn as empty axes but say so in words.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..metrics import HEADLINE
from ..result import RunResult

if TYPE_CHECKING:  # pragma: no cover
    from ..experiments import Comparison

# Okabe-Ito palette (hex), https://jfly.uni-koeln.de/color/ (cited, not fetched).
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#999999"

OKABE_ITO = (BLACK, ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION, REDDISH_PURPLE)
# Tiers from worst to best; red reads as "bad", blue as "good" for every kind of colour vision.
_TIER_SEQUENCE = (VERMILLION, ORANGE, YELLOW, BLUISH_GREEN, SKY_BLUE, BLUE, REDDISH_PURPLE)
_GROUP_SEQUENCE = (BLUE, ORANGE, BLUISH_GREEN, REDDISH_PURPLE, SKY_BLUE, VERMILLION, GREY)
_ARM_SEQUENCE = (BLACK, VERMILLION, BLUE, BLUISH_GREEN, ORANGE, REDDISH_PURPLE, SKY_BLUE)
_LINESTYLES = ("-", "--", ":", "-.")

WEEK = "week"
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
}
NO_SCORES = "no scores: nobody is enrolled"


@dataclass
class ReportFigure:
    """One figure of a report: its file stem, title and caption, and the figure or a note why not."""

    name: str
    title: str
    caption: str
    figure: Figure | None = None
    note: str | None = None

    def png(self) -> bytes:
        if self.figure is None:
            raise ValueError(f"figure {self.name!r} was not drawn: {self.note}")
        buf = io.BytesIO()
        with matplotlib.rc_context(STYLE):
            self.figure.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
        return buf.getvalue()


# --- colours ------------------------------------------------------------------------------


def _sample(cmap: str, n: int) -> list[str]:
    cm = matplotlib.colormaps[cmap]
    return [matplotlib.colors.to_hex(cm(x)) for x in np.linspace(0.05, 0.95, n)]


def tier_colours(names: Sequence[str]) -> dict[str, str]:
    """Tier name -> colour, worst (first) tier vermillion to best tier blue; fixed for a scenario."""
    names = list(names)
    if len(names) == 1:
        return {names[0]: GREY}
    if len(names) <= len(_TIER_SEQUENCE):
        return dict(zip(names, _TIER_SEQUENCE))
    return dict(zip(names, _sample("cividis", len(names))))


def group_colours(names: Sequence[str]) -> dict[str, str]:
    """Group name -> colour in the scenario's order ('all' is always black)."""
    names = list(names)
    seq = _GROUP_SEQUENCE if len(names) <= len(_GROUP_SEQUENCE) else _sample("viridis", len(names))
    out = dict(zip(names, seq))
    out["all"] = BLACK
    return out


def arm_colours(labels: Sequence[str]) -> dict[str, str]:
    """Arm label -> colour; the first arm (the reference) is black."""
    labels = list(labels)
    if len(labels) <= len(_ARM_SEQUENCE):
        return dict(zip(labels, _ARM_SEQUENCE))
    return dict(zip(labels, _sample("viridis", len(labels))))


# --- helpers ------------------------------------------------------------------------------


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(width, height), layout="constrained")
        FigureCanvasAgg(fig)
    return fig


def _subplots(fig: Figure, rows: int, cols: int):
    with matplotlib.rc_context(STYLE):
        axes = fig.subplots(rows, cols, squeeze=False)
    return axes


def _finite(y) -> bool:
    return bool(np.isfinite(np.asarray(y, dtype=np.float64)).any())


def _note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=10, color="#444444",
            wrap=True, bbox={"boxstyle": "round", "facecolor": "#f4f4f4", "edgecolor": "#cccccc"})
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def _line(ax, x, y, **kw) -> bool:
    """Plot y over x when any value is defined; markers when there are too few points for a line."""
    y = np.asarray(y, dtype=np.float64)
    if not _finite(y):
        return False
    if len(x) < 3:
        kw.setdefault("marker", "o")
    ax.plot(x, y, **kw)
    return True


def _week_axis(ax, steps) -> None:
    ax.set_xlabel(WEEK)
    if len(steps):
        lo, hi = float(np.min(steps)), float(np.max(steps))
        ax.set_xlim(lo, hi if hi > lo else lo + 1)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))


def _share_axis(ax, label: str = "share of agents", top: float | None = 1.0) -> None:
    ax.set_ylabel(label)
    decimals = 0 if top is None or top >= 0.1 else (1 if top >= 0.01 else 2)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=decimals))
    if top is not None:
        ax.set_ylim(0, top)
    else:
        ax.set_ylim(bottom=0)


def _title(ax, text: str) -> None:
    ax.set_title(text, loc="left")


def _tier_names(result: RunResult) -> list[str]:
    return [t.name for t in result.scenario.policy.tiers]


def _group_names(result: RunResult) -> list[str]:
    names = [g.name for g in result.scenario.population.groups]
    present = set(result.group_metrics["group_name"].astype(str)) if len(result.group_metrics) else set()
    return [n for n in names if n in present] + sorted(present - set(names))


def _has_scores(m: pd.DataFrame) -> bool:
    return "score_mean" in m.columns and _finite(m["score_mean"])


def lorenz(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lorenz curve: cumulative share of agents (x) against cumulative share of the total (y)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    x = x[np.isfinite(x)]
    if len(x) == 0 or x.sum() <= 0:
        return np.array([0.0, 1.0]), np.array([np.nan, np.nan])
    cum = np.concatenate([[0.0], np.cumsum(x)]) / x.sum()
    return np.linspace(0.0, 1.0, len(x) + 1), cum


def _weeks(result: RunResult) -> int:
    m = result.metrics
    return int(m["step"].iloc[-1]) if len(m) else 0


# --- the report's figures -------------------------------------------------------------------


def score_distribution(result: RunResult) -> ReportFigure:
    m = result.metrics
    spec = ReportFigure("score_distribution", "Score distribution",
                        "Left: the median score of enrolled agents with the 25–75 % and 10–90 % bands of the "
                        "distribution, and the mean, each week; dashed lines mark tier thresholds. Right: "
                        "the histogram of enrolled agents' scores at the end, coloured by tier.")
    if not _has_scores(m):
        spec.note = "No scores: nobody is enrolled in this scenario, so there is no score distribution."
        return spec
    fig = _figure(11, 4.2)
    ax, hx = _subplots(fig, 1, 2)[0]
    x = m["step"].to_numpy()
    tiers = result.scenario.policy.tiers
    colours = tier_colours([t.name for t in tiers])
    ax.fill_between(x, m["score_p10"], m["score_p90"], color=BLUE, alpha=0.15, lw=0, label="10–90 % of agents")
    ax.fill_between(x, m["score_p25"], m["score_p75"], color=BLUE, alpha=0.30, lw=0, label="25–75 % of agents")
    _line(ax, x, m["score_p50"], color=BLUE, lw=2, label="median")
    _line(ax, x, m["score_mean"], color=BLACK, lw=1.2, ls="--", label="mean")
    lo = float(np.nanmin(m["score_p10"]))
    hi = float(np.nanmax(m["score_p90"]))
    pad = max(5.0, 0.15 * (hi - lo))
    ax.set_ylim(lo - pad, hi + pad)
    for t in tiers[1:]:
        if lo - pad < t.min_score < hi + pad:
            ax.axhline(t.min_score, color=colours[t.name], lw=1, ls=":", zorder=0)
            ax.annotate(t.name, (1.0, t.min_score), xycoords=("axes fraction", "data"), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=8, color="#333333", annotation_clip=False)
    _title(ax, "Scores of enrolled agents over time")
    ax.set_ylabel("score points")
    _week_axis(ax, x)
    ax.legend(loc="best")

    final = result.agents_final
    scores = final.loc[final["enrolled"].astype(bool), "score"].to_numpy(dtype=np.float64)
    if len(scores) == 0:
        _note(hx, f"{NO_SCORES} at week {_weeks(result)}")
    else:
        mins = np.array([t.min_score for t in tiers])
        edges = np.histogram_bin_edges(scores, bins=40)
        counts, edges = np.histogram(scores, bins=edges)
        centres = 0.5 * (edges[:-1] + edges[1:])
        idx = np.clip(np.searchsorted(mins, centres, side="right") - 1, 0, len(tiers) - 1)
        bar_colours = [colours[tiers[i].name] for i in idx]
        hx.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=bar_colours, edgecolor="white", lw=0.4)
        for t in tiers[1:]:
            if edges[0] < t.min_score < edges[-1]:
                hx.axvline(t.min_score, color="#333333", lw=0.8, ls=":")
        used = sorted(set(idx))
        hx.legend(handles=[Patch(color=colours[tiers[i].name], label=tiers[i].name) for i in used],
                  title="tier", loc="best")
        _title(hx, f"Scores at week {_weeks(result)} ({len(scores):,} enrolled agents)")
        hx.set_xlabel("score points")
        hx.set_ylabel("agents")
    spec.figure = fig
    return spec


def tiers_and_enrolment(result: RunResult) -> ReportFigure:
    m = result.metrics
    spec = ReportFigure("tiers", "Tiers and enrolment",
                        "Left: the share of enrolled agents in each tier, stacked (worst tier at the bottom). "
                        "Right: the shares of agents enrolled and on the court blacklist, and the share of "
                        "enrolled agents whose tier changed that week (tier mobility).")
    fig = _figure(11, 4.2)
    ax, bx = _subplots(fig, 1, 2)[0]
    x = m["step"].to_numpy()
    names = _tier_names(result)
    colours = tier_colours(names)
    cols = [f"tier_share__{n}" for n in names]
    present = [c for c in cols if c in m.columns]
    if not present or not any(_finite(m[c]) for c in present):
        _note(ax, f"No tiers: {NO_SCORES}")
        _title(ax, "Tier shares")
    else:
        scored = np.isfinite(m[present].to_numpy(dtype=np.float64)).any(axis=1)  # weeks with enrolled agents
        ys = [m.loc[scored, c].fillna(0.0).to_numpy() for c in present]
        labels = [c.split("__", 1)[1] for c in present]
        ax.stackplot(x[scored], *ys, labels=labels, colors=[colours[n] for n in labels], alpha=0.9, edgecolor="white", lw=0.3)
        _title(ax, "Tier shares over time")
        _share_axis(ax, "share of enrolled agents")
        _week_axis(ax, x)
        handles, lab = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], lab[::-1], title="tier (best on top)", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _line(bx, x, m["enrolled_share"], color=BLUE, lw=2, label="enrolled")
    _line(bx, x, m["blacklisted_share"], color=BLACK, lw=2, label="blacklisted")
    if _finite(m["tier_mobility"]):
        _line(bx, x, m["tier_mobility"], color=REDDISH_PURPLE, lw=1.2, ls="--", label="changed tier this week (of enrolled)")
    _title(bx, "Enrolment, blacklist and tier mobility")
    top = float(np.nanmax(m[["enrolled_share", "blacklisted_share", "tier_mobility"]].to_numpy(dtype=float))) if len(m) else 1.0
    _share_axis(bx, "share of agents", top=min(1.0, max(0.05, top * 1.15)) if np.isfinite(top) else 1.0)
    _week_axis(bx, x)
    bx.legend(loc="best")
    spec.figure = fig
    return spec


def dissent(result: RunResult) -> ReportFigure:
    m = result.metrics
    spec = ReportFigure("dissent", "Dissent and the chilling effect",
                        "Left: mean desired (latent) dissent δ and mean expressed dissent a per agent, on the "
                        "0–1 scale of Daymude, Axelrod & Forrest (2025). Right: the chilling effect 1 − Σa/Σδ, "
                        "the share of desired dissent that is not expressed.")
    fig = _figure(11, 4.0)
    ax, bx = _subplots(fig, 1, 2)[0]
    x = m["step"].to_numpy()
    _line(ax, x, m["latent_dissent"], color=SKY_BLUE, lw=2, label="desired (latent) δ")
    _line(ax, x, m["expressed_dissent"], color=BLUE, lw=2, ls="--", label="expressed a")
    ax.fill_between(x, m["expressed_dissent"], m["latent_dissent"], color=VERMILLION, alpha=0.15, lw=0, label="withheld")
    _title(ax, "Latent versus expressed dissent")
    ax.set_ylabel("mean dissent per agent (0–1)")
    top = float(np.nanmax(m["latent_dissent"])) if _finite(m["latent_dissent"]) else 1.0
    ax.set_ylim(0, min(1.0, max(0.05, top * 1.3)))
    _week_axis(ax, x)
    ax.legend(loc="lower left")
    _line(bx, x, m["chilling_effect"], color=VERMILLION, lw=2, label="chilling effect")
    _title(bx, "Chilling effect 1 − Σa/Σδ")
    ce = float(np.nanmax(m["chilling_effect"])) if _finite(m["chilling_effect"]) else 0.0
    _share_axis(bx, "share of desired dissent withheld", top=min(1.0, max(0.05, ce * 1.3)))
    _week_axis(bx, x)
    bx.legend(loc="best")
    spec.figure = fig
    return spec


def expression_classes(result: RunResult) -> ReportFigure:
    m = result.metrics
    spec = ReportFigure("expression", "Compliant, self-censoring and defiant agents",
                        "Left: shares of agents who are compliant (desired dissent within the tolerance), "
                        "self-censoring (express less than they want) or defiant (express all of it above the "
                        "tolerance), stacked. Right: posts per agent per week, critical and pro-state.")
    fig = _figure(11, 4.0)
    ax, bx = _subplots(fig, 1, 2)[0]
    x = m["step"].to_numpy()
    kinds = [("compliant_share", "compliant", BLUISH_GREEN), ("self_censoring_share", "self-censoring", ORANGE),
             ("defiant_share", "defiant", VERMILLION)]
    ax.stackplot(x, *[m[k].fillna(0.0).to_numpy() for k, _, _ in kinds], labels=[lab for _, lab, _ in kinds],
                 colors=[c for _, _, c in kinds], alpha=0.9, edgecolor="white", lw=0.3)
    _title(ax, "How agents express dissent")
    _share_axis(ax)
    _week_axis(ax, x)
    handles, lab = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], lab[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0))
    n = m["agents"].replace(0, np.nan)
    _line(bx, x, m["posts_critical"] / n, color=VERMILLION, lw=2, label="critical")
    _line(bx, x, m["posts_pro_state"] / n, color=BLUE, lw=2, ls="--", label="pro-state")
    _title(bx, "Posts by stance")
    bx.set_ylabel("posts per agent per week")
    bx.set_ylim(bottom=0)
    _week_axis(bx, x)
    bx.legend(loc="best")
    spec.figure = fig
    return spec


def network(result: RunResult) -> ReportFigure:
    m = result.metrics
    spec = ReportFigure("network", "The friendship network",
                        "Ties left and mean degree, ties dropped each week (unfriending), the shares of isolated "
                        "agents and of agents in the largest connected component, and score assortativity "
                        "(the correlation of scores across ties between enrolled agents).")
    fig = _figure(12, 6.4)
    axes = _subplots(fig, 2, 3)
    x = m["step"].to_numpy()
    panels = [
        ("ties", "Ties left", "ties", BLUE, None),
        ("mean_degree", "Mean degree", "friends per agent", BLUE, None),
        ("unfriended", "Ties dropped", "ties dropped per week", VERMILLION, None),
        ("isolated_share", "Isolated agents", "share of agents", ORANGE, "share"),
        ("giant_component_share", "Largest connected component", "share of agents", BLUISH_GREEN, "share"),
        ("score_assortativity", "Score assortativity", "correlation across ties", REDDISH_PURPLE, None),
    ]
    for ax, (col, title, ylabel, colour, kind) in zip(axes.flat, panels):
        _title(ax, title)
        if not _line(ax, x, m[col], color=colour, lw=2):
            _note(ax, NO_SCORES if col == "score_assortativity" else "not defined")
            continue
        _week_axis(ax, x)
        if kind == "share":
            vals = m[col].to_numpy(dtype=float)
            top = float(np.nanmax(vals))
            _share_axis(ax, ylabel, top=1.05 if top > 0.5 else max(0.01, top * 1.3))
        else:
            ax.set_ylabel(ylabel)
            if col == "score_assortativity":
                ax.axhline(0.0, color=GREY, lw=0.8)
            elif col in ("ties", "mean_degree", "unfriended"):
                ax.set_ylim(bottom=0)
                if col != "unfriended":
                    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}" if col == "ties" else "{x:,.1f}"))
    spec.figure = fig
    return spec


def inequality(result: RunResult) -> ReportFigure:
    m = result.metrics
    spec = ReportFigure("inequality", "Inequality",
                        "Left: the Gini coefficient of scores (enrolled agents) and of wealth (all agents, "
                        "debts counted as zero) each week. Right: Lorenz curves at the end; the further a curve "
                        "sags below the diagonal, the more unequal.")
    fig = _figure(11, 4.2)
    ax, bx = _subplots(fig, 1, 2)[0]
    x = m["step"].to_numpy()
    has_scores = _line(ax, x, m["gini_score"], color=BLUE, lw=2, label="scores")
    _line(ax, x, m["gini_wealth"], color=ORANGE, lw=2, ls="--", label="wealth")
    _title(ax, "Gini coefficient over time" + ("" if has_scores else f" ({NO_SCORES})"))
    ax.set_ylabel("Gini (0 = equal, 1 = one agent has all)")
    top = float(np.nanmax(m[["gini_score", "gini_wealth"]].to_numpy(dtype=float))) if len(m) else 1.0
    ax.set_ylim(0, min(1.0, max(0.1, top * 1.25)) if np.isfinite(top) else 1.0)
    _week_axis(ax, x)
    ax.legend(loc="best")
    final = result.agents_final
    bx.plot([0, 1], [0, 1], color=GREY, lw=1, ls=":", label="perfect equality")
    lx, ly = lorenz(np.maximum(final["wealth"].to_numpy(dtype=np.float64), 0.0))
    if _finite(ly):
        bx.plot(lx, ly, color=ORANGE, lw=2, ls="--", label="wealth (all agents)")
    enrolled = final["enrolled"].astype(bool).to_numpy()
    sx, sy = lorenz(final.loc[enrolled, "score"].to_numpy(dtype=np.float64))
    if enrolled.any() and _finite(sy):
        bx.plot(sx, sy, color=BLUE, lw=2, label="scores (enrolled agents)")
    else:
        bx.text(0.05, 0.9, f"scores: {NO_SCORES}", transform=bx.transAxes, fontsize=9, color="#444444")
    _title(bx, f"Lorenz curves at week {_weeks(result)}")
    bx.set_xlabel("share of agents, poorest first")
    bx.set_ylabel("share of the total held")
    bx.set_xlim(0, 1)
    bx.set_ylim(0, 1)
    bx.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    bx.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    bx.set_aspect("equal")
    bx.legend(loc="upper left")
    spec.figure = fig
    return spec


def sanctions(result: RunResult) -> ReportFigure:
    m = result.metrics
    spec = ReportFigure("sanctions", "Sanctions and reports",
                        "Left: sanctions by kind per 1,000 agents: travel and loans denied that week, and "
                        "agents currently throttled (slower internet) or barred from some jobs. Right: reports "
                        "of critical posts (true and false), punishments for observed dissent and new blacklist "
                        "entries, per 1,000 agents per week.")
    fig = _figure(11, 4.2)
    ax, bx = _subplots(fig, 1, 2)[0]
    x = m["step"].to_numpy()
    per = 1000.0 / np.maximum(m["agents"].to_numpy(dtype=np.float64), 1.0)
    kinds = [("travel_denied", "travel denied", BLUE, "-"), ("loans_denied", "loans denied", ORANGE, "--"),
             ("throttled", "throttled internet", REDDISH_PURPLE, "-."), ("job_barred", "job-barred", VERMILLION, ":")]
    events = [("reports_true", "true reports", BLUE, "-"), ("reports_false", "false reports", VERMILLION, "--"),
              ("punished", "punished for dissent", BLACK, "-."), ("blacklist_entries", "blacklist entries", ORANGE, ":")]
    for axis, lines, title, ylabel in ((ax, kinds, "Sanctions by kind", "agents per 1,000"),
                                       (bx, events, "Reports, punishments and blacklistings", "per 1,000 agents per week")):
        top = 0.0
        for col, label, colour, ls in lines:
            y = m[col].to_numpy(dtype=np.float64) * per
            if _line(axis, x, y, color=colour, lw=2, ls=ls, label=label):
                top = max(top, float(np.nanmax(y)))
        _title(axis, title)
        axis.set_ylabel(ylabel)
        axis.set_ylim(0, max(1.0, top * 1.15))
        _week_axis(axis, x)
        axis.legend(loc="best")
    spec.figure = fig
    return spec


GROUP_PANELS = (
    ("score_mean", "Mean score (enrolled)", "score points", None),
    ("enrolled_share", "Enrolled", "share of agents", "share"),
    ("blacklisted_share", "Blacklisted", "share of agents", "share"),
    ("chilling_effect", "Chilling effect", "share of dissent withheld", "share"),
    ("self_censoring_share", "Self-censoring", "share of agents", "share"),
    ("job_barred", "Job-barred", "share of agents", "per_agent"),
    ("isolated_share", "Isolated", "share of agents", "share"),
    ("wealth_mean", "Mean wealth", "currency units per agent", None),
)


def groups(result: RunResult) -> ReportFigure:
    g = result.group_metrics
    names = _group_names(result)
    spec = ReportFigure("groups", "Groups compared",
                        "Key measures per group over time (the whole population dashed black): mean score, "
                        "enrolment, blacklisting, the chilling effect, self-censorship, job bars, isolation and "
                        "mean wealth.")
    if not names:
        spec.note = "This scenario has no groups."
        return spec
    colours = group_colours(names)
    fig = _figure(13, 6.6)
    axes = _subplots(fig, 2, 4)
    m = result.metrics
    for ax, (col, title, ylabel, kind) in zip(axes.flat, GROUP_PANELS):
        _title(ax, title)
        drawn = False
        series = [(n, g[g["group_name"].astype(str) == n]) for n in names] + [("all", m)]
        top = 0.0
        for name, frame in series:
            y = frame[col].to_numpy(dtype=np.float64)
            if kind == "per_agent":
                y = y / np.maximum(frame["agents"].to_numpy(dtype=np.float64), 1.0)
            style = {"color": colours[name], "lw": 2} if name != "all" else {"color": BLACK, "lw": 1.2, "ls": "--"}
            if _line(ax, frame["step"].to_numpy(), y, label=name if name != "all" else "everyone", **style):
                drawn = True
                top = max(top, float(np.nanmax(y)))
        if not drawn:
            _note(ax, NO_SCORES if col == "score_mean" else "not defined")
            continue
        _week_axis(ax, m["step"].to_numpy())
        if kind in ("share", "per_agent"):
            _share_axis(ax, ylabel, top=1.05 if top > 0.5 else max(0.01, top * 1.3))
        else:
            ax.set_ylabel(ylabel)
    handles, labels = [], []
    for ax in axes.flat:
        h, lab = ax.get_legend_handles_labels()
        if len(h) > len(handles):
            handles, labels = h, lab
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 8), title="group")
    spec.figure = fig
    return spec


REPORT_FIGURES = (score_distribution, tiers_and_enrolment, dissent, expression_classes, network, inequality,
                  sanctions, groups)


def report_figures(result: RunResult) -> list[ReportFigure]:
    """Every figure of the single-run report, in reading order."""
    return [make(result) for make in REPORT_FIGURES]


# --- comparison figures ---------------------------------------------------------------------

_SHARE_MEASURES = {"enrolled_share", "blacklisted_share", "chilling_effect", "self_censoring_share", "defiant_share",
                   "isolated_share", "giant_component_share", "compliant_share"}
_UNITS = {
    "score_mean": "score points",
    "reports_true": "reports per week",
    "reports_false": "reports per week",
    "ties": "ties",
    "score_assortativity": "correlation across ties",
    "gini_score": "Gini (0–1)",
    "gini_wealth": "Gini (0–1)",
    "chilling_effect": "share of dissent withheld",
}


def comparison_figures(comparison: "Comparison", measures: Sequence[tuple[str, str]] | None = None) -> list[ReportFigure]:
    """One figure per headline measure: each arm's mean over seeds with its 95 % band."""
    measures = list(measures or comparison.measures or HEADLINE)
    labels = list(comparison.arms)
    colours = arm_colours(labels)
    pct = f"{comparison.level * 100:g} %"
    out = []
    for key, label in measures:
        spec = ReportFigure(f"compare_{key}", label[:1].upper() + label[1:],
                            f"Mean over seeds of each arm, with the {pct} t-band across seeds (no band with one seed).")
        series = comparison.series(key)
        if not any(_finite(s["mean"]) for s in series.values()):
            spec.note = f"{label}: not defined in any arm ({NO_SCORES})" if "score" in key else f"{label}: not defined in any arm"
            out.append(spec)
            continue
        fig = _figure(6.0, 3.6)
        ax = _subplots(fig, 1, 1)[0, 0]
        top = -np.inf
        for i, arm in enumerate(labels):
            s = series[arm]
            n_runs = len(comparison.arms[arm])
            ls = _LINESTYLES[i % len(_LINESTYLES)]
            if not _line(ax, s["step"].to_numpy(), s["mean"], color=colours[arm], lw=2, ls=ls, label=f"{arm} (n={n_runs})"):
                ax.plot([], [], color=colours[arm], lw=2, ls=ls, label=f"{arm}: not defined")
                continue
            if _finite(s["low"]):
                ax.fill_between(s["step"].to_numpy(), s["low"], s["high"], color=colours[arm], alpha=0.18, lw=0)
            top = max(top, float(np.nanmax(np.concatenate([s["mean"].to_numpy(dtype=float), s["high"].to_numpy(dtype=float)]))))
        _title(ax, spec.title)
        steps = np.concatenate([series[a]["step"].to_numpy() for a in labels])
        _week_axis(ax, steps)
        if key in _SHARE_MEASURES:
            _share_axis(ax, _UNITS.get(key, "share of agents"), top=1.05 if top > 0.5 else max(0.01, top * 1.3))
        else:
            ax.set_ylabel(_UNITS.get(key, key))
            if key in ("ties", "reports_true", "reports_false"):
                ax.set_ylim(bottom=0)
        ax.legend(loc="best")
        spec.figure = fig
        out.append(spec)
    return out
