"""What a user sees: the segment report and the Dagster asset graph in a real headless browser.

Debian's chromium is installed with apt-get when it is missing (CI starts on a clean machine);
when that is impossible the tests fail with one sentence saying so, they are never skipped.
The browser is driven over the DevTools protocol (a small websocket client), which gives the
rendered DOM, the console errors and uncaught exceptions, and a full-page screenshot in one
session. Screenshots land in `<data dir>/report/`; their paths are printed (`pytest -s`).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from websockets.sync.client import connect

from kansrijk import report
from kansrijk.settings import REPO_ROOT
from tests.test_report import CHARTS, read_report

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
APT_TIMEOUT_S = 900
PAGE_TIMEOUT_S = 60
DAGSTER_START_TIMEOUT_S = 180


# --------------------------------------------------------------------------- chromium

def _find_chromium() -> str | None:
    for p in CHROMIUM_CANDIDATES:
        if os.access(p, os.X_OK):
            return p
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path to a chromium binary; installs Debian's `chromium` package when there is none."""
    exe = _find_chromium()
    if exe:
        return exe
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if sudo and not shutil.which("sudo"):
        pytest.fail("chromium is not installed and this user is not root (no sudo): run "
                    "`apt-get install -y chromium` as root, then rerun the tests.")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (sudo + ["apt-get", "update"], sudo + ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]):
        try:
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`{' '.join(cmd)}` took longer than {APT_TIMEOUT_S} s: install chromium by hand and rerun.")
        if out.returncode != 0:
            tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["no output"]
            pytest.fail(f"`{' '.join(cmd)}` failed ({tail[0]}): install Debian's chromium by hand and rerun.")
    exe = _find_chromium()
    if not exe:
        pytest.fail("apt-get installed chromium but no chromium binary is on this machine: check the package.")
    return exe


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Page:
    """One browser tab over the DevTools protocol: navigate, evaluate, screenshot, console errors."""

    def __init__(self, ws_url: str):
        self.ws = connect(ws_url, max_size=256 * 1024 * 1024, open_timeout=20, legacy=True)
        self._id = 0
        self.events: list[dict] = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def call(self, method: str, params: dict | None = None, timeout: float = PAGE_TIMEOUT_S) -> dict:
        self._id += 1
        my_id = self._id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def pump(self, seconds: float) -> None:
        """Collect events for a while (console messages arrive asynchronously)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.events.append(json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.05))))
            except TimeoutError:
                break

    def goto(self, url: str) -> None:
        self.call("Page.navigate", {"url": url})
        deadline = time.monotonic() + PAGE_TIMEOUT_S
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not finish loading within {PAGE_TIMEOUT_S} s")
            self.pump(0.2)

    def eval(self, js: str):
        r = self.call("Runtime.evaluate", {"expression": js, "returnByValue": True})
        return r.get("result", {}).get("value")

    def wait_for(self, js: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.eval(js):
                return True
            self.pump(0.5)
        return False

    def errors(self) -> list[str]:
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("Uncaught " + (d.get("exception", {}).get("description") or d.get("text", "")))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console error: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(f"{p['entry'].get('source')} error: {p['entry'].get('text')} {p['entry'].get('url', '')}")
        return out

    def viewport(self, width: int, height: int) -> None:
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def screenshot(self, path: Path, width: int = 1400, max_height: int = 12000, full_page: bool = True) -> Path:
        """A png of the page: the whole document (full_page) or the viewport as it is."""
        if full_page:
            size = self.call("Page.getLayoutMetrics").get("cssContentSize") or {}
            self.viewport(width, int(min(max(size.get("height", 1000), 600), max_height)))
            self.pump(0.5)
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self.ws.close()


class Browser:
    def __init__(self, exe: str, profile: Path):
        profile.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             f"--user-data-dir={profile}", "--window-size=1400,3000", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise AssertionError(f"chromium ({exe}) did not open its DevTools port within 30 s")
            time.sleep(0.1)
        self.port = int(port_file.read_text().split()[0])

    def new_page(self) -> Page:
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT")
        with urllib.request.urlopen(req, timeout=10) as r:
            target = json.loads(r.read())
        return Page(target["webSocketDebuggerUrl"])

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    b = Browser(chromium, tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


# --------------------------------------------------------------------------- the report

def test_report_renders_every_chart_without_errors(demo_build, browser, record_property):
    path = report.write_report(demo_build)
    page = browser.new_page()
    try:
        page.goto(path.as_uri())
        page.pump(1.0)
        dom = page.eval("document.documentElement.outerHTML")
        rendered = page.eval("""Array.from(document.querySelectorAll('[data-chart]')).map(c => {
            const box = c.getBoundingClientRect();
            return [c.dataset.chart, c.dataset.status, c.querySelectorAll('svg').length,
                    c.querySelectorAll('svg circle, svg rect, svg path, svg line').length, box.width, box.height,
                    c.querySelectorAll('svg title').length]; })""")
        shot = page.screenshot(demo_build.report_dir / "screenshot.png")
        errors = page.errors()
    finally:
        page.close()
    print(f"\nreport screenshot: {shot}")
    record_property("screenshot", str(shot))
    assert errors == [], errors
    parsed = read_report(path)
    charts = {r[0]: r[1:] for r in rendered}
    for name in CHARTS:
        status, svgs, marks, width, height, tooltips = charts[name]
        assert status == "ok", f"{name} shows a note instead of a chart"
        assert width > 300 and height > 100, f"{name} is not laid out ({width}×{height})"
        if name in ("prospect_targets", "customers_at_risk"):  # tables, no drawing
            assert page_has_rows(dom, name)
        else:
            assert svgs >= 1 and marks >= 3, f"{name}: {svgs} svg, {marks} marks in the rendered page"
            assert tooltips >= 1, f"{name}: its marks have no tooltip (svg <title>)"
            assert parsed.charts[name]["svg"] == svgs
    assert shot.stat().st_size > 20_000, "the screenshot looks empty"


def page_has_rows(dom: str, name: str) -> bool:
    start = dom.find(f'data-table="{name}"')
    return start >= 0 and dom.count("<tr>", start) >= 2


# --------------------------------------------------------------------------- the Dagster UI

def _dagster_asset_names(env: dict) -> list[str]:
    # asset names and, since a large graph may show collapsed groups, the group names too
    code = ("import orchestration.definitions as d; g = d.defs().resolve_asset_graph(); "
            "print('\\n'.join(sorted({k.path[-1] for k in g.get_all_asset_keys()} | "
            "{g.get(k).group_name for k in g.get_all_asset_keys() if g.get(k).group_name})))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.fail(f"orchestration.definitions does not load ({last}): fix it before the UI can be checked.")
    return [n for n in out.stdout.split() if n]


def test_dagster_asset_graph_shows_assets(demo_build, browser, tmp_path, record_property):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")  # as `make ui` does (telemetry off)
    env = dict(os.environ, DAGSTER_HOME=str(home), KANSRIJK_DATA_DIR=str(demo_build.data_dir))
    names = _dagster_asset_names(env)
    assert names, "orchestration.definitions defines no assets"
    print(f"\nassets and groups: {', '.join(names[:40])}")
    port = _free_port()
    exe = Path(sys.executable).parent / "dagster-webserver"
    log = tmp_path / "dagster-webserver.log"
    with open(log, "w") as fh:
        server = subprocess.Popen([str(exe), "-m", "orchestration.definitions", "-h", "127.0.0.1", "-p", str(port)],
                                  env=env, cwd=REPO_ROOT, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + DAGSTER_START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{base}/server_info", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text()[-2000:]
                pytest.fail(f"dagster-webserver did not serve {base} within {DAGSTER_START_TIMEOUT_S} s:\n{tail}")
            time.sleep(1)
        page = browser.new_page()
        try:
            page.viewport(1400, 1000)  # an app page fills the viewport: fix it before the graph lays out
            page.goto(f"{base}/asset-groups")
            wanted = [n for n in names if n.startswith(("mart_", "dim_")) or "_" not in n] or names
            probe = json.dumps(wanted)
            shown_js = f"(() => {{ const t = document.body ? document.body.innerText : ''; return {probe}.filter(n => t.includes(n)); }})()"
            page.wait_for(f"{shown_js}.length >= Math.min(3, {len(wanted)})", timeout=90)
            # the first visit greets with a newsletter dialog: skip it for the picture
            page.wait_for("(() => { const b = Array.from(document.querySelectorAll('button'))"
                          ".filter(b => b.innerText.trim() === 'Skip'); b.forEach(x => x.click()); return b.length; })()",
                          timeout=15)
            page.pump(3.0)  # let the graph finish its layout before the picture
            shown = page.eval(shown_js) or []
            shot = page.screenshot(demo_build.report_dir / "dagster_asset_graph.png", full_page=False)
        finally:
            page.close()
        print(f"\nDagster asset graph screenshot: {shot}")
        record_property("screenshot", str(shot))
        assert len(shown) >= min(3, len(wanted)), f"the asset graph shows none of {wanted[:10]}; see {shot}"
    finally:
        # bounded shutdown of the server and the code-server processes it started
        if server.poll() is None:
            os.killpg(server.pid, 15)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, 9)
                server.wait(10)
