"""The classroom app in a real browser: `leadsim app` serves it, Debian's Chromium (driven
by Playwright) changes a control, resets, steps and plays; the views change, nothing is
requested from anywhere but 127.0.0.1, bad values are refused in the command line's words
and SIGTERM stops the server cleanly.

The screenshot goes to the test's temporary folder; LEADSIM_UPDATE_SCREENSHOT=1 also
writes it to docs/img/app.png (the docs page about the app shows it).
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("solara", reason="the app needs the 'app' extra: pip install -e '.[app]'")
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the browser test needs playwright (the 'test' extra)")

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium calls Google's services at start, which
# a closed network refuses; the test wants every request to be the app's own.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[1]
DELAY_KEY = "practices.alpha.policy.first_response_delay_minutes"


def chromium() -> str:
    """Debian's Chromium; installed here when missing and we are root (as .ci/run does),
    else the test is skipped."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                pytest.fail(f"{' '.join(cmd)} failed: {done.stderr.strip()[-500:]}")
        return CHROMIUM
    pytest.skip("needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium), "
                "and neither it nor root to install it is available")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class App:
    """`python -m experiments.app port=N` in a temporary folder, its output read in a
    thread (so a full pipe never blocks it)."""

    def __init__(self, cwd: Path):
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOLARA_")}
        env["PYTHONPATH"] = str(ROOT)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "experiments.app", f"port={self.port}"], cwd=cwd, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.out: list[str] = []
        self.err: list[str] = []
        threading.Thread(target=self._read, args=(self.proc.stdout, self.out, True),
                         daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, self.err, False),
                         daemon=True).start()

    def _read(self, stream, into, announce):
        for line in stream:
            into.append(line)
            if announce:
                self.lines.put(line)

    def wait_for_address(self, timeout=180.0) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=1.0)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if line.startswith("leadsim app: http://"):
                return line.split()[2]
        pytest.fail(f"the app did not start: {''.join(self.out)}{''.join(self.err)}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def app(tmp_path):
    server = App(tmp_path)
    yield server
    server.stop()


def where(url: str) -> str:
    """The host:port a request went to; data: URLs never leave the page, and a blob: URL
    is made by the page from its own origin."""
    parts = urlsplit(url.removeprefix("blob:"))
    if parts.scheme == "data":
        return "(in the page)"
    return parts.netloc or url


def panel(page, name):
    return page.locator(f".leadsim-{name}").first


def pixels(page, name) -> bytes:
    locator = panel(page, name)
    locator.wait_for(state="visible", timeout=60_000)
    return locator.screenshot()


def wait_text(page, text, timeout=90_000):
    page.get_by_text(text, exact=False).first.wait_for(state="visible", timeout=timeout)


def set_text(page, label, value):
    box = page.get_by_label(label)
    box.fill(value)
    box.press("Enter")


def test_the_app_in_a_browser(app, tmp_path, run_cli):
    exe = chromium()
    url = app.wait_for_address()
    assert url == f"http://127.0.0.1:{app.port}/"
    requests, websockets, failures = [], [], []
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            tempfile.mkdtemp(dir=tmp_path), executable_path=exe, args=FLAGS,
            viewport={"width": 1920, "height": 1400})
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("websocket", lambda w: websockets.append(w.url))
        page.on("requestfailed", lambda r: failures.append(f"failed {r.url}"))
        page.on("response", lambda r: r.status >= 400 and failures.append(f"{r.status} {r.url}"))
        page.goto(url)
        step = page.get_by_role("button", name="Step")
        step.wait_for(timeout=120_000)
        wait_text(page, "Nothing simulated yet")
        wait_text(page, "seed=0")  # the manager panel shows the command line's run

        # a control: the first-response delay, typed, applied by Reset
        speed_before = pixels(page, "speed")
        set_text(page, "First response after (minutes)", "5")
        page.get_by_role("button", name="Reset").click()
        wait_text(page, f"{DELAY_KEY}=5 ")
        for _ in range(30):  # the marker moves from 1 day to 5 minutes
            if pixels(page, "speed") != speed_before:
                break
            time.sleep(0.5)
        else:
            pytest.fail("the speed-to-lead panel did not mark the new delay")

        before = {name: pixels(page, name) for name in ("bookings", "rating", "answered",
                                                        "race")}
        for day in range(1, 6):
            step.click()
            wait_text(page, f"Day {day} (")
        time.sleep(1.0)
        changed = [n for n, png in before.items() if pixels(page, n) != png]
        assert len(changed) >= 3, f"only {changed} changed after 5 days"

        # Mesa's play and pause
        page.get_by_role("button", name="▶").click()
        wait_text(page, "Day 9 (")
        page.get_by_role("button", name="❚❚").click()
        page.get_by_role("button", name="▶").wait_for(timeout=60_000)
        time.sleep(1.0)
        shot = tmp_path / "app.png"
        page.screenshot(path=str(shot))
        if os.environ.get("LEADSIM_UPDATE_SCREENSHOT"):
            target = ROOT / "docs" / "img" / "app.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, target)

        # bad values: refused on the page in the command line's words, no traceback
        cli = run_cli(["run", f"{DELAY_KEY}=-5"], module="sim.cli")
        assert cli.returncode == 2 and cli.stderr.startswith("error: ")
        set_text(page, "First response after (minutes)", "-5")
        page.get_by_role("button", name="Reset").click()
        wait_text(page, "Not started: " + cli.stderr.strip().removeprefix("error: "))
        set_text(page, "First response after (minutes)", "5")
        set_text(page, "People on the phone", "0")
        page.get_by_role("button", name="Reset").click()
        wait_text(page, "Not started: practices.alpha.roster[0].staff: 0 is not allowed")
        assert "Traceback" not in page.inner_text("body")

        # and back to a lesson that runs
        set_text(page, "People on the phone", "2")
        page.get_by_role("button", name="Reset").click()
        wait_text(page, "practices.alpha.roster.0.staff=2 ")
        step.click()
        wait_text(page, "Day 1 (")

        # SIGTERM with the page still connected: the server stops by itself (the page's
        # requests after that fail, of course)
        failed_while_up = list(failures)
        app.proc.send_signal(signal.SIGTERM)
        try:
            code = app.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("the app did not stop within 30 s of SIGTERM")
        context.close()

    assert code == 0, "".join(app.err)
    assert "leadsim app: stopped" in "".join(app.out)
    assert "Traceback" not in "".join(app.err), "".join(app.err)
    hosts = {where(u) for u in requests + websockets} - {"(in the page)"}
    assert hosts == {f"127.0.0.1:{app.port}"}, hosts
    assert websockets, "the page never opened its websocket"
    assert not failed_while_up, failed_while_up[:5]
