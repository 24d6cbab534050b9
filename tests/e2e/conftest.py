"""Browser fixtures: a demo home, the app under uvicorn on a free 127.0.0.1 port (stopped by
its PID), and Debian's Chromium driven through Playwright's sync API.

Screenshots go to artifacts/screenshots/ (gitignored) for the CI to keep.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.demo_home import EVIL_HOST, REPO, DemoHome, build_demo_home
from tests.servers.local import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "artifacts" / "screenshots"



def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> DemoHome:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not installed")
    return build_demo_home(tmp_path_factory.mktemp("e2e"))


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app server exited early with status {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if json.load(response).get("status") == "ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"app server not healthy at {url} within {timeout:.0f}s")


@pytest.fixture(scope="session")
def base_url(demo_home: DemoHome, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = (tmp_path_factory.mktemp("e2e-log") / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "tests.e2e.serve", str(demo_home.config), str(port)],
                               cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        if process.poll() is None:  # our own child, by its PID
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


class Watch:
    """What a page did that it must not: dialogs opened, requests to the hostile host, errors."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        self.evil_requests: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("request", lambda request: EVIL_HOST in request.url and self.evil_requests.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def signed_in(browser: Any, base_url: str, demo_home: DemoHome) -> Iterator[Callable[[str], tuple[Any, Watch]]]:
    """``signed_in(role)`` → (page, watch): a fresh browser context signed in with that role's key."""
    contexts = []

    def open_as(role: str) -> tuple[Any, Watch]:
        context = browser.new_context(viewport={"width": 1440, "height": 960}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        watch = Watch(page)
        page.goto(base_url + "/login")
        page.fill("input[name=api_key]", demo_home.keys[role])
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(base_url + "/")
        return page, watch

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str, *, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
