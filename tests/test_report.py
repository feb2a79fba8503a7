"""The HTML report: renders for every preset, is self-contained, and opens cleanly in a browser."""

from __future__ import annotations

import re
from html import escape as html_escape
from pathlib import Path

import pytest

import socialcredit as sc
from socialcredit.report import REPORT_FILE, hypothetical_channels, write_report
from socialcredit.report.figures import REPORT_FIGURES, group_colours, lorenz, tier_colours

AGENTS = 1500
STEPS = 12
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
FIGURE_NAMES = {"score_distribution", "tiers", "dissent", "expression", "network", "inequality", "sanctions", "groups"}

# A reference to an outside resource: src/href/srcset/action/poster attributes, CSS url() and @import.
EXTERNAL = re.compile(r"""(?:\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
                      r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import\s+["']?(?:url\()?\s*["']?(?:https?:)?//)""",
                      re.IGNORECASE)


def _overrides(preset: str) -> dict | None:
    # bring the mandatory step into a short run so that the report shows both regimes
    return {"policy.enrolment.mandatory_step": 6} if preset == "sesame-as-reported" else None


@pytest.fixture(scope="module")
def results() -> dict[str, sc.RunResult]:
    return {name: sc.simulate(name, agents=AGENTS, steps=STEPS, seed=3, overrides=_overrides(name))
            for name in sc.preset_names()}


@pytest.fixture(scope="module")
def reports(results, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("reports")
    return {name: write_report(result, root / name) for name, result in results.items()}


def test_every_preset_has_a_report(results, reports):
    assert set(reports) == set(sc.preset_names())
    for name, path in reports.items():
        assert path.name == REPORT_FILE and path.is_file(), name
        html = path.read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>")
        assert f"socialcredit report: {name}" in html
        pngs = {p.stem for p in path.parent.glob("*.png")}
        # without enrolled agents there are no scores: no score distribution, and the page says why
        scored = results[name].scenario.policy.enrolment.mode != "none"
        expected = FIGURE_NAMES - (set() if scored else {"score_distribution"})
        if not scored:
            assert "No scores: nobody is enrolled" in html, name
        assert pngs == expected, name
        for p in path.parent.glob("*.png"):
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert p.stat().st_size > 5_000
        # every PNG is also embedded, so the HTML stands alone
        assert html.count('src="data:image/png;base64,') == len(expected)


def test_report_is_self_contained(reports):
    for name, path in reports.items():
        html = path.read_text(encoding="utf-8")
        assert not EXTERNAL.search(html), (name, EXTERNAL.search(html).group(0))
        assert "<script" not in html.lower()
        # no path of the machine that wrote it
        assert str(path.parent) not in html
        assert str(Path.home()) + "/" not in html


def test_report_contents(results, reports):
    html = reports["sesame-as-reported"].read_text(encoding="utf-8")
    sesame = results["sesame-as-reported"].scenario
    assert sesame.description in html
    for source in sesame.sources:
        assert html_escape(source, quote=True).replace("&#x27;", "&#39;") in html, source
    for needle in ("Hypothetical channels", "ON (hypothetical)", "Seed", "1,500", "12 weeks", "friend drag",
                   "chilling effect", "Scenario file", "Synthetic population only"):
        assert needle.lower() in html.lower(), needle
    for tier in sesame.policy.tiers:
        assert tier.name in html
    for group in sesame.population.groups:
        assert group.name in html


def test_no_system_report_says_there_are_no_scores(reports):
    html = reports["no-system"].read_text(encoding="utf-8")
    assert "nobody is enrolled" in html
    assert "No scores" in html
    assert "ON (hypothetical)" not in html


def test_hypothetical_channels_follow_the_scenario(results):
    on = {name: {c["channel"]: c["on"] for c in hypothetical_channels(r.scenario)} for name, r in results.items()}
    assert all(on["sesame-as-reported"].values())
    for name in ("zhima", "rongcheng", "blacklist", "no-system"):
        assert not any(on[name].values()), name
    assert len(on["zhima"]) == 4


def test_colours_are_fixed_and_distinct():
    tiers = ["poor", "medium", "good", "very_good", "excellent"]
    assert tier_colours(tiers) == tier_colours(tiers)
    assert len(set(tier_colours(tiers).values())) == len(tiers)
    many = [f"t{i}" for i in range(12)]
    assert len(set(tier_colours(many).values())) == 12
    g = group_colours(["urban", "rural"])
    assert g["all"] == "#000000" and g["urban"] != g["rural"]
    assert len(REPORT_FIGURES) == len(FIGURE_NAMES)


def test_lorenz_curve():
    x, y = lorenz([1.0, 1.0, 1.0, 1.0])
    assert y.tolist() == pytest.approx(x.tolist())
    x, y = lorenz([0.0, 0.0, 0.0, 4.0])
    assert y[-2] == 0.0 and y[-1] == 1.0


def test_report_of_a_short_run_with_one_group(tmp_path):
    groups = [{"name": "everyone", "share": 1.0}]
    result = sc.simulate("zhima", agents=300, steps=1, seed=0, overrides={"population.groups": groups})
    path = write_report(result, tmp_path / "short")
    assert path.is_file()
    assert (tmp_path / "short" / "groups.png").is_file()


@pytest.mark.browser
def test_report_opens_in_chromium(reports, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run browser tests")
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for name in ("sesame-as-reported", "no-system"):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                errors: list[str] = []
                requests: list[str] = []
                page.on("console", lambda msg, errors=errors: errors.append(msg.text) if msg.type == "error" else None)
                page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
                page.on("request", lambda req, requests=requests: requests.append(req.url))
                page.goto(reports[name].resolve().as_uri(), wait_until="load")
                images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
                assert images, name
                assert all(ok and w > 0 and h > 0 for ok, w, h in images), (name, images)
                assert errors == [], (name, errors)
                outside = [u for u in requests if not (u.startswith("file:") or u.startswith("data:"))]
                assert outside == [], (name, outside)
                assert page.title().startswith("socialcredit report")
                shot = tmp_path / f"{name}.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 10_000
                shots.append(shot)
                page.close()
        finally:
            browser.close()
    assert len(shots) == 2
