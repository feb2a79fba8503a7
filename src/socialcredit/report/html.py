"""Self-contained HTML reports: one file that opens offline, figures embedded as base64 PNG.

No external resource is referenced (no CDN, no web font, no script): the report can be
mailed, archived or opened from a USB stick. The same figures are also written as PNG
files beside the HTML for slides and papers. Paths of the machine that wrote the report
never appear in it (an edge-list network shows its file name only).
"""

from __future__ import annotations

import base64
import math
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import numpy as np
import tomli_w

from .. import __version__
from ..metrics import HEADLINE
from ..result import RunResult
from ..scenario import Scenario
from . import figures as F

if TYPE_CHECKING:  # pragma: no cover
    from ..experiments import Comparison

REPORT_FILE = "report.html"
COMPARISON_FILE = "comparison.html"
CSS = """
:root { --ink: #1a1a1a; --muted: #555; --rule: #d8d8d8; --panel: #f6f6f4; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.8rem; margin: 0 0 .25rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; padding-top: .6rem; border-top: 1px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
p.lead { font-size: 1.1rem; color: var(--muted); margin: .2rem 0 1rem; }
.banner { background: var(--panel); border-left: 4px solid var(--accent); padding: .6rem .9rem; margin: 1rem 0; }
.warn { border-left-color: #D55E00; }
nav ul { display: flex; flex-wrap: wrap; gap: .3rem 1.1rem; list-style: none; padding: 0; margin: .5rem 0; }
nav a, a { color: var(--accent); }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .93rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .3rem .7rem; text-align: left; vertical-align: top; }
th { background: var(--panel); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv th { width: 14rem; font-weight: 600; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0 2rem; }
.on { color: #8a3b00; font-weight: 700; }
.off { color: #006b4f; }
.swatch { display: inline-block; width: .9em; height: .9em; border-radius: 2px; vertical-align: -.1em; margin-right: .35em; border: 1px solid #0003; }
figure { margin: .6rem 0 1.6rem; }
figure img { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .92rem; margin-top: .3rem; max-width: 70rem; }
.note { background: var(--panel); padding: .8rem 1rem; color: var(--muted); font-style: italic; }
.figs { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1rem 1.5rem; }
.sig { font-weight: 700; }
details pre { background: var(--panel); padding: .8rem; overflow-x: auto; font-size: .85rem; }
footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; }
"""
SYNTHETIC = ("Synthetic population only: every agent is simulated; no data about real people is used. "
             "Results show what the modelled mechanisms imply, not what happens in any real place.")


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("socialcredit.report", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["num"] = _num
    env.filters["share"] = _share
    return env


def _num(x: Any, digits: int = 4) -> str:
    from ..experiments import format_number

    try:
        return format_number(float(x), digits)
    except (TypeError, ValueError):
        return str(x)


def _share(x: Any) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return "n/a" if not math.isfinite(v) else f"{v * 100:.1f} %"


# --- what the reader needs to know about the scenario ----------------------------------------


def public_scenario_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as data, with machine paths reduced to file names."""
    data = scenario.to_dict()
    net = data.get("network", {})
    if isinstance(net, dict) and isinstance(net.get("path"), str):
        net["path"] = Path(net["path"]).name
    return data


def hypothetical_channels(scenario: Scenario) -> list[dict[str, Any]]:
    """The channels research could not confirm for the real systems, and whether this scenario uses them.

    From the 2015 popular account only (research/social-credit-literature.md): the stance of
    posts, purchases by category, friends' scores (friend drag), slower internet for low scores.
    """
    pol = scenario.policy
    pts = pol.points
    speech = pol.speech
    speech_on = []
    if pts.post_critical:
        speech_on.append(f"{pts.post_critical:+g} points per critical post")
    if pts.post_pro_state:
        speech_on.append(f"{pts.post_pro_state:+g} points per pro-state post")
    if speech.severity > 0 and speech.tolerance < 1 and (speech.surveillance > 0 or pol.informants.sensitivity > 0):
        speech_on.append(f"punishment of dissent above τ = {speech.tolerance:g} (ν = {speech.surveillance:g}, ψ = {speech.severity:g})")
    if pol.informants.sensitivity > 0:
        speech_on.append(f"informants rewarded ({pts.report_made:+g} points per report)")
    purchases = {k: v for k, v in pts.purchase.items() if v}
    friends = pol.friends
    if friends.mode == "drag":
        friend_text = f"drag: {-friends.drag_penalty:+g} points per friend below {friends.drag_threshold:g}"
    elif friends.mode == "average":
        friend_text = f"average: weight w = {friends.weight:g} on friends' mean score"
    else:
        friend_text = ""
    slow = [t.name for t in pol.tiers if t.internet_speed < 1.0]
    if pol.unenrolled.internet_speed < 1.0:
        slow.append("unenrolled")
    nobody = pol.enrolment.mode == "none"
    rows = [
        {"channel": "Speech: points and punishment for the stance of posts", "on": bool(speech_on),
         "detail": "; ".join(speech_on) or "off"},
        {"channel": "Purchases by category", "on": bool(purchases),
         "detail": ", ".join(f"{k} {v:+g}" for k, v in purchases.items()) or "off"},
        {"channel": "Friends' scores (friend drag)", "on": friends.mode != "off", "detail": friend_text or "off"},
        {"channel": "Slower internet for low scores", "on": bool(slow),
         "detail": ("throttled: " + ", ".join(slow)) if slow else "off"},
    ]
    if nobody:
        for r in rows:
            if r["on"] and r["channel"] != "Speech: points and punishment for the stance of posts":
                r["detail"] += " (no effect: nobody is enrolled)"
    return rows


def policy_summary(scenario: Scenario) -> list[tuple[str, str]]:
    """Key policy numbers, in words a reader can check against the scenario file."""
    pol = scenario.policy
    out: list[tuple[str, str]] = []
    enr = pol.enrolment
    if enr.mode == "none":
        out.append(("Enrolment", "none: nobody is scored"))
    elif enr.mode == "voluntary":
        text = "voluntary (agents enrol when perks outweigh their privacy cost)"
        if enr.mandatory_step is not None:
            text += f", mandatory from week {enr.mandatory_step}"
        out.append(("Enrolment", text))
    else:
        out.append(("Enrolment", "mandatory from the start"))
    if enr.mode != "none":
        out.append(("Score range", f"{pol.score_min:g}–{pol.score_max:g} points"))
        out.append(("Baseline score", f"mean {pol.baseline.mean:g}, sd {pol.baseline.sd:g} points"))
        out.append(("Reversion to baseline λ", f"{pol.reversion:g} per week"))
        pts = pol.points.model_dump()
        purchase = pts.pop("purchase", {})
        events = [f"{k.replace('_', ' ')} {v:+g}" for k, v in pts.items() if v]
        events += [f"buying {k.replace('_', ' ')} {v:+g}" for k, v in purchase.items() if v]
        out.append(("Points per event", ", ".join(events) or "none"))
        f = pol.friends
        out.append(("Friend term", {"off": "off",
                                    "drag": f"drag: −{f.drag_penalty:g} points per friend scoring below {f.drag_threshold:g}",
                                    "average": f"average: weight {f.weight:g} on enrolled friends' mean score"}[f.mode]))
        vis = pol.visibility
        out.append(("Scores visible to friends", ("public" if vis.public else "private (only when shared)")
                    + f"; unfriending below {vis.unfriend_threshold:g}, bragging above {vis.share_threshold:g}"))
        out.append(("Tiers", ", ".join(f"{t.name} ≥ {t.min_score:g}" for t in pol.tiers)))
    sp = pol.speech
    if sp.severity > 0 and sp.tolerance < 1:
        out.append(("Speech policy", f"surveillance ν = {sp.surveillance:g}, tolerance τ = {sp.tolerance:g}, "
                                     f"severity ψ = {sp.severity:g} ({sp.punishment}), "
                                     f"{sp.points_per_severity:g} points per unit of ψ"))
    else:
        out.append(("Speech policy", "no punishment of speech"))
    inf = pol.informants
    if inf.sensitivity > 0:
        out.append(("Informants", f"sensitivity {inf.sensitivity:g}, false reports {inf.false_report_ratio:g} per true-report chance"))
    bl = pol.blacklist
    if bl.enabled:
        bans = [b for b, on in (("travel ban", bl.travel_ban), ("loan ban", bl.loan_ban)) if on]
        out.append(("Court blacklist", f"on: a court judgment lists the debtor with probability {bl.entry_probability:g}; "
                                       + ", ".join(bans + [f"{bl.job_access * 100:g} % of jobs left"])))
    else:
        out.append(("Court blacklist", "off"))
    return out


def population_summary(scenario: Scenario) -> list[tuple[str, str]]:
    pop = scenario.population
    net = public_scenario_dict(scenario)["network"]
    params = ", ".join(f"{k} = {v}" for k, v in net.items() if k != "kind")
    groups = ", ".join(f"{g.name} ({g.share * 100:g} %)" for g in pop.groups)
    return [("Groups", groups), ("Friendship network", f"{net['kind'].replace('_', ' ')}" + (f" ({params})" if params else ""))]


def tier_rows(scenario: Scenario) -> list[dict[str, Any]]:
    pol = scenario.policy
    colours = F.tier_colours([t.name for t in pol.tiers])
    rows = []
    for t in pol.tiers:
        rows.append({"name": t.name, "colour": colours[t.name], "min_score": f"{t.min_score:g}",
                     "travel": "yes" if t.travel else "denied", "loans": "yes" if t.loans else "denied",
                     "loan_rate": f"×{t.loan_rate:g}", "internet": f"×{t.internet_speed:g}",
                     "jobs": f"{t.job_access * 100:g} %", "wait": f"{t.service_wait:g}",
                     "dating": f"×{t.dating_prominence:g}"})
    return rows


def headline_rows(result: RunResult) -> tuple[list[str], list[dict[str, Any]]]:
    """Headline measures at the final step: everyone, then each group."""
    names = [g.name for g in result.scenario.population.groups]
    g = result.group_metrics
    last = {}
    if len(g):
        final_step = g["step"].max()
        gl = g[g["step"] == final_step]
        for n in names:
            row = gl[gl["group_name"].astype(str) == n]
            if len(row):
                last[n] = row.iloc[0]
    columns = ["everyone"] + [n for n in names if n in last]
    whole = result.metrics.iloc[-1] if len(result.metrics) else None
    rows = []
    shares = {"enrolled_share", "blacklisted_share", "chilling_effect", "self_censoring_share", "defiant_share",
              "isolated_share", "giant_component_share"}
    for key, label in HEADLINE:
        fmt = _share if key in shares else _num
        values = [fmt(whole[key]) if whole is not None else "n/a"] + [fmt(last[n][key]) for n in columns[1:]]
        rows.append({"label": label, "cells": values})
    return columns, rows


def _figure_context(figs: list[F.ReportFigure], out_dir: Path) -> list[dict[str, Any]]:
    out = []
    for f in figs:
        item = {"name": f.name, "title": f.title, "caption": f.caption, "note": f.note, "src": None, "file": None}
        if f.figure is not None:
            png = f.png()
            (out_dir / f"{f.name}.png").write_bytes(png)
            item["src"] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            item["file"] = f"{f.name}.png"
            f.figure.clear()
        out.append(item)
    return out


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _run_rows(result: RunResult) -> list[tuple[str, str]]:
    sc = result.scenario
    info = result.info
    steps = int(result.metrics["step"].iloc[-1]) if len(result.metrics) else 0
    rows = [("Scenario", sc.name), ("Agents", f"{int(info.get('agents', sc.population.agents)):,}"),
            ("Steps", f"{steps} weeks"), ("Seed", str(sc.seed)), ("Scenario hash", info.get("scenario_hash", sc.hash()))]
    if info.get("run_seconds") is not None:
        rows.append(("Run time", f"{info['run_seconds']:.2f} s (setup {info.get('setup_seconds', 0):.2f} s)"))
    rows.append(("socialcredit version", str(info.get("version", __version__))))
    return rows


# --- public API ---------------------------------------------------------------------------


def write_report(result: RunResult, out_dir: str | Path) -> Path:
    """Write `report.html` (self-contained) and one PNG per figure into out_dir; return the HTML path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sc = result.scenario
    figs = _figure_context(F.report_figures(result), out_dir)
    columns, headline = headline_rows(result)
    enrolled_ever = bool(np.isfinite(result.metrics["score_mean"].to_numpy(dtype=float)).any()) if len(result.metrics) else False
    html = _env().get_template("report.html.j2").render(
        css=CSS,
        title=f"socialcredit report: {sc.name}",
        scenario=sc,
        synthetic=SYNTHETIC,
        run_rows=_run_rows(result),
        policy_rows=policy_summary(sc),
        population_rows=population_summary(sc),
        tiers=tier_rows(sc) if sc.policy.enrolment.mode != "none" else [],
        channels=hypothetical_channels(sc),
        headline_columns=columns,
        headline_rows=headline,
        no_scores=not enrolled_ever,
        figures=figs,
        scenario_toml=tomli_w.dumps(public_scenario_dict(sc)),
        version=__version__,
        generated=_now(),
    )
    path = out_dir / REPORT_FILE
    _write_atomic(path, html)
    return path


def write_comparison(comparison: "Comparison", out_dir: str | Path) -> Path:
    """Write `comparison.html` (table and overlaid figures, self-contained) and the PNGs; return the HTML path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    from ..experiments import format_estimate

    labels = list(comparison.arms)
    ref = labels[0]
    colours = F.arm_colours(labels)
    arms = []
    for a in labels:
        runs = comparison.arms[a]
        sc = runs[0].scenario
        agents = sorted({int(r.info.get("agents", sc.population.agents)) for r in runs})
        steps = sorted({int(r.metrics["step"].iloc[-1]) if len(r.metrics) else 0 for r in runs})
        arms.append({"label": a, "colour": colours[a], "name": sc.name, "description": sc.description,
                     "runs": len(runs), "seeds": ", ".join(str(r.scenario.seed) for r in runs),
                     "agents": " / ".join(f"{n:,}" for n in agents), "steps": " / ".join(map(str, steps)),
                     "channels": hypothetical_channels(sc)})
    table = []
    for key, row in comparison.table.iterrows():
        cells = [format_estimate(row[f"{a} mean"], row[f"{a} ci_low"], row[f"{a} ci_high"]) for a in labels]
        diffs = []
        for b in labels[1:]:
            name = comparison.diff_name(ref, b)
            lo, hi = row[f"{name} ci_low"], row[f"{name} ci_high"]
            sig = bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))
            diffs.append({"text": format_estimate(row[f"{name} diff"], lo, hi, signed=True), "significant": sig})
        table.append({"label": row["label"], "cells": cells, "diffs": diffs})
    channel_names = [c["channel"] for c in arms[0]["channels"]]
    figs = _figure_context(F.comparison_figures(comparison), out_dir)
    html = _env().get_template("comparison.html.j2").render(
        css=CSS,
        title="socialcredit comparison: " + " vs ".join(labels),
        synthetic=SYNTHETIC,
        arms=arms,
        reference=ref,
        others=labels[1:],
        level=f"{comparison.level * 100:g} %",
        table=table,
        notes=comparison.notes,
        channel_names=channel_names,
        figures=figs,
        version=__version__,
        generated=_now(),
    )
    path = out_dir / COMPARISON_FILE
    _write_atomic(path, html)
    return path
