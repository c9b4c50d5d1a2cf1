"""A real service under uvicorn on 127.0.0.1 (behind the path prefix /ops) and Debian's headless
Chromium driven by Selenium, for the console's end-to-end tests.

Chromium is told that every host name but 127.0.0.1 does not exist and to make none of its
background requests, so the browser, like every other test, reaches nothing beyond this machine."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from app.main import create_app
from app.settings import Settings
from tests.conftest import loopback_service_settings, shared_database_url
from tests.llm.standins import serve

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
ROOT_PATH = "/ops"
OPS_KEY = "ops-console-key-0001"
ADMIN_KEY = "root-console-key-0001"
SCREENSHOTS = os.environ.get("CONSOLE_SCREENSHOTS")  # a folder: the tests save their views there


def _require_browser() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        reason = f"{', '.join(missing)} not installed (Debian: apt-get install chromium chromium-driver)"
        if os.environ.get("CI_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def console_settings(database_url: str, **overrides: Any) -> Settings:
    return loopback_service_settings(
        database_url,
        [f"ops:{OPS_KEY}", f"root:{ADMIN_KEY}"],
        admin_key_labels=["root"],
        root_path=ROOT_PATH,
        **overrides,
    )


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 in a thread; yields its base URL with the prefix."""
    with serve(create_app(settings), lifespan="on") as url:
        yield f"{url}{ROOT_PATH}"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service, its base URL (with the prefix) as a browser sees it."""
    with serving(console_settings(shared_database_url(tmp_path_factory.mktemp("console")))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--no-first-run",
        "--no-default-browser-check",
        "--metrics-recording-only",
        "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which(CHROMEDRIVER)))
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, name: str) -> None:
    """Saves the view as docs/console/<name>.png when CONSOLE_SCREENSHOTS names that folder."""
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(folder / f"{name}.png"))


@pytest.fixture
def http_server() -> Iterator[int]:
    """Plain HTTP on 127.0.0.1 answering every GET and HEAD with 200."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            body = b"ok\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
