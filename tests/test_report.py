"""Reports: every preset renders a self-contained HTML file with readable figures."""

from __future__ import annotations

import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from socialcredit import preset_names, simulate
from socialcredit.report import hypothetical_channels, write_report

CHROMIUM = Path("/usr/bin/chromium")
FIGURES = ("score_distribution", "tiers", "dissent", "expression", "network", "inequality", "sanctions", "groups")


@pytest.fixture(scope="module")
def results():
    return {p: simulate(p, agents=1500, steps=12, seed=2, overrides=_mandatory_soon(p)) for p in preset_names()}


def _mandatory_soon(preset):
    return {"policy.enrolment.mandatory_step": 6} if preset == "sesame-as-reported" else None


@pytest.fixture(scope="module")
def reports(results, tmp_path_factory):
    out = {}
    for name, res in results.items():
        folder = tmp_path_factory.mktemp(name)
        out[name] = write_report(res, folder)
    return out


@pytest.mark.parametrize("preset", ["sesame-as-reported", "zhima", "rongcheng", "blacklist", "no-system"])
def test_report_renders_self_contained(preset, reports):
    html_path = reports[preset]
    assert html_path.exists() and html_path.suffix == ".html"
    html = html_path.read_text(encoding="utf-8")
    # every figure is written as PNG and embedded in the page; without enrolled agents there
    # are no scores, so the score distribution is left out and the page says why
    scored = preset not in ("blacklist", "no-system")
    expected = FIGURES if scored else tuple(f for f in FIGURES if f != "score_distribution")
    for name in expected:
        assert (html_path.parent / f"{name}.png").stat().st_size > 5_000, name
    assert (html_path.parent / "score_distribution.png").exists() == scored
    assert html.count("data:image/png;base64,") >= len(expected)
    # nothing is loaded from the network
    external = re.findall(r"""(?:src|href)\s*=\s*["'](https?:)?//""", html)
    assert not external, external
    assert "<script src=" not in html and "<link rel=\"stylesheet\" href=" not in html
    # the scenario and the hypothetical channels are summarised
    assert preset in html
    assert "ypothetical" in html


def test_hypothetical_channels_follow_the_scenario(results):
    on = {c["channel"] for c in hypothetical_channels(results["sesame-as-reported"].scenario) if c["on"]}
    off = {c["channel"] for c in hypothetical_channels(results["no-system"].scenario) if c["on"]}
    assert len(on) == 4 and not off


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)")
def test_report_opens_in_chromium_without_errors(reports, tmp_path):
    from playwright.sync_api import sync_playwright

    folder = reports["sesame-as-reported"].parent
    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    errors: list[str] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"http://127.0.0.1:{server.server_port}/report.html", wait_until="load")
            widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
            title = page.title()
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            browser.close()
    finally:
        server.shutdown()
    assert not errors, errors
    assert len(widths) >= len(FIGURES) and min(widths) > 0
    assert "sesame-as-reported" in title
    assert shot.stat().st_size > 50_000
