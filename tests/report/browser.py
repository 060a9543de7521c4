"""Headless Chromium (Debian's package) driven by Playwright, with the network off.

Playwright never downloads a browser here: it drives /usr/bin/chromium. Every request that is not a
file:// URL is aborted, so a report that needed a CDN would show it as a failed chart.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "Debian's chromium is not installed (make test installs it: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run the browser test, not skip it
        pytest.skip(message)
    return path


@dataclass
class OpenedPage:
    page: object
    console_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)


@contextmanager
def open_offline(url: str, profile_dir: Path, width: int = 1400) -> Iterator[OpenedPage]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir), executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True,
            viewport={"width": width, "height": 900},
        )
        try:
            page = context.new_page()
            opened = OpenedPage(page)
            page.on("console", lambda m: opened.console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: opened.console_errors.append(str(error)))

            def only_files(route) -> None:
                if route.request.url.startswith("file:"):
                    route.continue_()
                else:
                    opened.blocked_requests.append(route.request.url)
                    route.abort()

            context.route("**/*", only_files)
            page.goto(url)
            yield opened
        finally:
            context.close()
