"""End-to-end tests of the web app in a real headless Chromium driven by Playwright.

The app runs under uvicorn on 127.0.0.1 and an ephemeral port in a background
thread; Debian's chromium is used (nothing is downloaded). Each test starts a
new study in the page and saves screenshots under its ``tmp_path``.
"""

from __future__ import annotations

import importlib.util
import io
import os
import socket
import threading
import time
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("fastapi")
sync_api = pytest.importorskip("playwright.sync_api")

from kmipd.web import create_app  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
DATA = Path(__file__).parent / "data" / "web"
HAS_DIGITIZE = importlib.util.find_spec("kmipd.digitize") is not None
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
)


class LiveServer:
    """The app under uvicorn on 127.0.0.1 and an ephemeral port, in a background thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="error"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    def __enter__(self) -> LiveServer:
        self.thread.start()
        end = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < end, "server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


class OffReader:
    """A figure reader that is not available (as without kmipd.digitize)."""

    def status(self) -> dict[str, Any]:
        return {"available": False, "reason": "kmipd.digitize is not installed"}

    def read(self, image: bytes, options: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("never called when unavailable")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(create_app(tmp_path_factory.mktemp("store"))) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(str(error)))
    tab.set_default_timeout(20_000)
    tab.goto(server.url + "/")
    until(tab, "window.kmipdApp && window.kmipdApp.ready")
    before = tab.evaluate("window.kmipdApp.studyId")
    tab.click("#new-study")
    until(
        tab, f"window.kmipdApp.studyId !== {before!r} && !document.querySelector('#figure-list li')"
    )
    yield tab
    context.close()
    assert problems == [], problems


def until(page: Any, script: str, seconds: float = 20) -> None:
    """Wait until a JavaScript expression is true (polled: the page's CSP forbids Playwright's
    string predicates, which need eval)."""
    end = time.monotonic() + seconds
    while not page.evaluate(script):
        assert time.monotonic() < end, f"still false after {seconds} s: {script}"
        time.sleep(0.05)


def study_id(page: Any) -> str:
    return str(page.evaluate("window.kmipdApp.studyId"))


def add_csvs(page: Any, *names: str, trial: str) -> None:
    """Drop CSV files on the page and confirm the roles it proposes."""
    page.fill("#up-trial", trial)
    count = page.locator("#figure-list li").count()
    page.set_input_files("#file-input", [str(DATA / name) for name in names])
    page.wait_for_selector("#csv-form:not([hidden])")
    page.click("#csv-form button[type=submit]")
    until(page, f"document.querySelectorAll('#figure-list li').length === {count + 1}")
    page.wait_for_selector("#fig-status.ready")


def download(page: Any, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    return Path(info.value.path()).read_bytes()


def saved(page: Any) -> None:
    until(page, "document.querySelector('#save-state').textContent === 'All changes saved'")


def screen_point(page: Any, key: str, index: int) -> tuple[float, float]:
    """Where a curve point of an arm is on the screen."""
    return tuple(
        page.evaluate(  # type: ignore[return-value]
            """([key, index]) => {
          const ed = window.kmipdApp.figureView.editor;
          const arm = ed.fig.arms.find((a) => a.key === key);
          const [x, y] = ed.xy(...arm.points[index]);
          const p = new DOMPoint(x, y).matrixTransform(ed.svg.getScreenCTM());
          return [p.x, p.y];
        }""",
            [key, index],
        )
    )


@pytest.mark.skipif(not HAS_DIGITIZE, reason="kmipd.digitize (automatic figure reading) is missing")
def test_figure_upload_is_read_and_calibration_corrected(
    page: Any, server: LiveServer, tmp_path: Path
) -> None:
    page.fill("#up-trial", "DELTA")
    page.set_input_files("#file-input", str(DATA / "km_figure.png"))
    page.wait_for_selector("#fig-status.ready", timeout=45_000)
    assert page.locator("#editor .curve-line").count() == 2
    assert page.locator("#editor .calib-handle").count() == 4
    assert page.locator("#editor .risk-read").count() >= 12
    rows = [
        page.locator(f'#risk-grid input[data-row="{r}"]').evaluate_all("e => e.map(i => i.value)")
        for r in (0, 1)
    ]
    assert ["120" in row for row in rows] == [True, True], rows
    assert page.locator("#arms-body .chip.conf-high").count() >= 4
    names = [page.input_value(f'[data-focus="name:a{i}"]').lower() for i in (1, 2)]
    assert names == ["chemotherapy", "immunotherapy"]
    page.screenshot(path=str(tmp_path / "figure_read.png"))
    figure = page.evaluate("window.kmipdApp.figureView.fig.id")
    api = f"{server.url}/api/studies/{study_id(page)}/figures/{figure}"
    before = httpx.get(api).json()
    page.fill("#cal-x1", "48")
    page.click("#cal-apply")
    until(page, "document.querySelector('#save-state').textContent === 'Axes saved'")
    after = httpx.get(api).json()
    assert after["calibration"]["x"]["v1"] == 48
    last_before, last_after = before["arms"][0]["points"][-1][0], after["arms"][0]["points"][-1][0]
    assert last_after == pytest.approx(2 * last_before, rel=1e-3)
    handle = page.locator('#editor .calib-handle[data-axis="x"][data-which="1"]').bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(handle["x"] - 40, handle["y"] + handle["height"] / 2, steps=4)
    page.mouse.up()
    until(page, f"window.kmipdApp.figureView.fig.revision > {after['revision']}")
    dragged = httpx.get(api).json()["calibration"]["x"]
    assert dragged["p1"] < after["calibration"]["x"]["p1"] - 20 and dragged["v1"] == 48
    page.screenshot(path=str(tmp_path / "figure_corrected.png"))


def test_csv_upload_correction_reconstruction_and_downloads(page: Any, tmp_path: Path) -> None:
    add_csvs(page, "alpha_curve.csv", "alpha_risk.csv", trial="ALPHA")
    assert page.locator("#editor .curve-line").count() == 2
    page.fill('[data-focus="name:a1"]', "Placebo")
    page.press('[data-focus="name:a1"]', "Tab")
    page.fill('[data-focus="risk:1:1"]', "48")
    page.press('[data-focus="risk:1:1"]', "Enter")
    saved(page)
    assert page.locator("#risk-grid tbody th").first.inner_text() == "Placebo"
    page.check('input[name="arm-select"][value="a2"]')
    count = page.evaluate("window.kmipdApp.figureView.fig.arms[1].points.length")
    page.focus("#editor")
    page.keyboard.press("a")
    for _ in range(5):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Enter")
    page.click('.toolbar [data-tool="delete"]')
    x, y = screen_point(page, "a2", 3)
    page.mouse.click(x, y)
    saved(page)
    points = page.evaluate("window.kmipdApp.figureView.fig.arms[1].points.length")
    assert points == count  # one added by keyboard, one deleted by a click
    page.click("#reconstruct")
    page.wait_for_selector("#result-panel:not([hidden])")
    until(page, "document.querySelector('#km-img').naturalWidth > 0")
    assert "Placebo" in page.inner_text("#result-body")
    assert page.locator("#editor .rebuilt").count() == 2
    page.screenshot(path=str(tmp_path / "reconstructed.png"), full_page=True)
    ipd = download(page, '[data-download="ipd.csv"]').decode()
    assert ipd.startswith("arm,time,event\n") and ipd.count("\nPlacebo,") == 60
    assert b"Placebo," in download(page, '[data-download="curves.csv"]')
    assert b"Drug A,3.0,48\n" in download(page, '[data-download="risk.csv"]')
    assert download(page, '[data-download="km.png"]').startswith(b"\x89PNG")
    assert b"<svg" in download(page, '[data-download="km.svg"]')[:500]


def test_two_upload_comparison_and_every_download(page: Any, tmp_path: Path) -> None:
    page.fill("#study-title", "ALPHA vs BETA")
    add_csvs(page, "alpha_curve.csv", "alpha_risk.csv", trial="ALPHA")
    add_csvs(page, "beta_curve.csv", "beta_risk.csv", trial="BETA")
    page.click("#show-compare")
    page.wait_for_selector("#compare-view:not([hidden]) #compare-table")
    page.wait_for_load_state("networkidle")  # no request in flight (a tick once timed out)
    assert page.locator("#compare-table tbody tr").count() == 4
    page.check('#compare-table input[aria-label="compare ALPHA: Control"]')
    until(page, "document.querySelector('#save-state').textContent === 'Arms saved'")
    page.check('#compare-table input[aria-label="compare BETA: Drug B"]')
    until(
        page,
        "document.querySelectorAll('#compare-table input[type=checkbox]:checked').length === 2",
    )
    page.fill("#st-landmarks", "3, 6")
    page.press("#st-landmarks", "Tab")
    page.click("#build-compare")
    page.wait_for_selector("#compare-result:not([hidden])")
    until(page, "document.querySelector('img.joined').naturalWidth > 0")
    body = page.inner_text("#compare-body")
    assert "across trials" in body and "ALPHA: Control" in body and "S(3)" in body
    page.screenshot(path=str(tmp_path / "comparison.png"), full_page=True)
    report = download(page, '[data-download="report"]').decode()
    assert report.startswith("<!DOCTYPE html>") and "BETA: Drug B" in report
    study = tomllib.loads(download(page, '[data-download="toml"]').decode())
    assert [arm["trial"] for arm in study["arm"]] == ["ALPHA", "BETA"] and study["landmarks"] == [
        3,
        6,
    ]
    names = zipfile.ZipFile(io.BytesIO(download(page, '[data-download="zip"]'))).namelist()
    assert "kmipd-study/study.toml" in names and "kmipd-study/data/alpha_control_curve.csv" in names
    assert download(page, '[data-download="ipd"]').decode().count("\n") == 60 + 50 + 1
    assert download(page, '[data-download="png-OS"]').startswith(b"\x89PNG")
    assert b"<svg" in download(page, '[data-download="svg-OS"]')[:500]


def test_reload_keeps_the_study(page: Any) -> None:
    page.fill("#study-title", "Kept across reloads")
    page.fill("#up-trial", "GAMMA")
    page.set_input_files("#file-input", str(DATA / "gamma_ipd.csv"))
    page.wait_for_selector("#csv-form:not([hidden])")
    assert page.input_value("#csv-ipd") == "0"
    page.click("#csv-form button[type=submit]")
    page.wait_for_selector("#result-panel:not([hidden])")
    until(page, "document.querySelector('#save-state').textContent === 'Title saved'")
    page.reload()
    page.wait_for_selector("#figure-list li")
    page.wait_for_selector("#result-panel:not([hidden])")
    assert page.input_value("#study-title") == "Kept across reloads"
    assert "gamma_ipd.csv" in page.inner_text("#figure-list")
    assert "Drug C" in page.inner_text("#result-body")  # the figure view came back from the address


def test_page_says_when_figures_cannot_be_read(browser: Any, tmp_path: Path) -> None:
    with LiveServer(create_app(tmp_path / "store", reader=OffReader())) as live:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        tab = context.new_page()
        tab.goto(live.url + "/")
        until(tab, "window.kmipdApp && window.kmipdApp.ready")
        notice = tab.wait_for_selector("#reader-status:not([hidden])")
        assert "Automatic figure reading is not available" in notice.inner_text()
        tab.set_input_files("#file-input", str(DATA / "km_figure.png"))
        tab.wait_for_selector("#fig-status.ready")
        assert "click the curve points by hand" in tab.inner_text("#fig-warnings")
        assert tab.locator("#editor .calib-handle").count() == 4
        tab.screenshot(path=str(tmp_path / "no_reader.png"))
        context.close()


@pytest.mark.skipif(not HAS_DIGITIZE, reason="kmipd.digitize (automatic figure reading) is missing")
def test_a_figure_of_two_panels_offers_the_other_panel(page: Any, tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    figures = Path(__file__).parent / "data" / "figures"
    parts = [
        np.asarray(Image.open(figures / n).convert("RGB"))
        for n in ("act2_2b-jco.png", "actscc_2a-jco.png")
    ]
    both = tmp_path / "two_panels.png"
    Image.fromarray(np.concatenate(parts, axis=1)).save(both)
    page.fill("#up-trial", "AB")
    page.set_input_files("#file-input", str(both))
    page.wait_for_selector("#fig-status.ready", timeout=45_000)
    buttons = page.locator("#fig-warnings .panel-choice")
    assert buttons.count() == 2
    assert buttons.nth(0).is_disabled() and not buttons.nth(1).is_disabled()
    buttons.nth(1).click()
    until(page, "window.kmipdApp.figureView.fig.panel === 2", 60)
    page.wait_for_selector("#fig-status.ready", timeout=45_000)
    names = [page.input_value(f'[data-focus="name:a{i}"]') for i in (1, 2)]
    assert names == ["s_1", "uft_lv"]
    assert page.locator("#fig-warnings .panel-choice[data-panel='1']").is_enabled()
