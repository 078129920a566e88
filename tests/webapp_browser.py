"""Headless Chromium (Debian's ``chromium``, driven by Playwright) for the Mini App's browser tests, with
Telegram's ``telegram-web-app.js`` replaced by a local stub that reads the URL hash as Telegram's does."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = {"width": 360, "height": 740}
LIGHT = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#707579",
    "link_color": "#2481cc",
    "button_color": "#2481cc",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#f1f1f4",
}
DARK = {
    "bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "hint_color": "#708499",
    "link_color": "#6ab3f3",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#232e3c",
}
# What telegram-web-app.js offers the page, from the hash Telegram opens it with
TELEGRAM_STUB = """
(function () {
  var hash = new URLSearchParams(location.hash.slice(1));
  var theme = JSON.parse(hash.get("tgWebAppThemeParams") || "{}");
  function dark(hex) {
    var n = parseInt((hex || "#ffffff").slice(1), 16);
    return ((n >> 16) + ((n >> 8) & 255) + (n & 255)) < 384;
  }
  window.Telegram = { WebApp: {
    initData: hash.get("tgWebAppData") || "", themeParams: theme,
    colorScheme: dark(theme.bg_color) ? "dark" : "light",
    ready: function () {}, expand: function () {}, onEvent: function () {},
    HapticFeedback: { notificationOccurred: function () {} }
  } };
})();
"""


def page_url(base: str, init_data: str, theme: dict[str, str]) -> str:
    """The page as Telegram opens it: init data and theme in the URL hash."""
    params = json.dumps(theme, separators=(",", ":"))
    return f"{base}#tgWebAppData={quote(init_data)}&tgWebAppVersion=8.0&tgWebAppThemeParams={quote(params)}"


@asynccontextmanager
async def phone_page() -> AsyncIterator[Any]:
    """A 360 px wide page in headless Chromium whose requests to telegram.org get the local stub."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run does)")
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = await browser.new_context(viewport=PHONE, device_scale_factor=2)
            page = await context.new_page()

            async def stub(route: Any) -> None:
                await route.fulfill(status=200, content_type="text/javascript", body=TELEGRAM_STUB)

            await page.route("https://telegram.org/**", stub)
            yield page
        finally:
            await browser.close()
