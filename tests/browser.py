"""Start the app with `streamlit run` on loopback and drive it in headless Chromium.

Shared by the browser tests and ``scripts/screenshot.py``. Chromium comes from
Debian (``/usr/bin/chromium``), Playwright from pip; nothing is downloaded.
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(timeout_s: float = 90.0, script: str = "app.py"):
    """Run ``streamlit run SCRIPT`` on a free loopback port; yield its base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.headless", "true",
           "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(cmd, cwd=REPO_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("streamlit did not become healthy")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def is_loopback(url: str) -> bool:
    """True for URLs served by this machine (or data:/blob:/about: URLs)."""
    if url.startswith(("data:", "blob:", "about:", "chrome")):
        return True
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0] if "://" in url else ""
    return host in ("127.0.0.1", "localhost", "[::1]", "::1")


@contextlib.contextmanager
def browser_page(width: int = 1600, height: int = 1000):
    """A headless Chromium page recording every request URL in ``page.requested``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        requested: list[str] = []
        page.on("request", lambda req: requested.append(req.url))
        page.requested = requested
        try:
            yield page
        finally:
            browser.close()


def wait_for_map(page, timeout_ms: int = 90_000):
    """Wait until the Leaflet map inside the st_folium iframe has drawn."""
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
    frame.locator(".leaflet-container").wait_for(state="visible", timeout=timeout_ms)
    frame.locator(".leaflet-overlay-pane svg, .leaflet-overlay-pane canvas, "
                  ".leaflet-image-layer").first.wait_for(state="attached", timeout=timeout_ms)
    return frame


def wait_idle(page, timeout_ms: int = 120_000):
    """Wait until Streamlit has finished running the script (no 'running' widget)."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')",
                           timeout=timeout_ms)


def map_frame(page):
    """The Playwright Frame of the st_folium component (where ``window.map`` lives)."""
    frames = [f for f in page.frames if "streamlit_folium" in f.url and not f.is_detached()]
    if not frames:
        raise RuntimeError("no st_folium frame on the page")
    frames[-1].wait_for_function("() => window.map && window.map.getSize().x > 0")
    return frames[-1]


def click_map_at(page, lat: float, lon: float):
    """Click the Leaflet map at a lat/lon (converted with the map's own projection)."""
    frame = map_frame(page)
    point = frame.evaluate("([lat, lon]) => { const p = window.map.latLngToContainerPoint("
                           "[lat, lon]); return [p.x, p.y]; }", [lat, lon])
    box = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').locator(
        ".leaflet-container").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
