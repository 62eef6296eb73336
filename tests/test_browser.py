"""Real-browser test: the app in headless Chromium, offline, on loopback only."""
import os
import shutil
from pathlib import Path

import pytest

from tests.browser import (
    CHROMIUM,
    browser_page,
    click_map_at,
    is_loopback,
    streamlit_server,
    wait_for_map,
    wait_idle,
)

HAVE_CHROMIUM = bool(shutil.which(CHROMIUM) or os.path.exists(CHROMIUM))
# CI sets SITING_REQUIRE_BROWSER=1 so a missing browser fails instead of skipping.
REQUIRED = os.environ.get("SITING_REQUIRE_BROWSER") == "1"
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not HAVE_CHROMIUM and not REQUIRED,
                                 reason="Debian chromium not installed (.ci/run installs it)")]

ARTIFACTS = Path(os.environ.get("SITING_ARTIFACTS", Path(__file__).parent / "artifacts"))
ENERGY_METRIC = "document.querySelectorAll('[data-testid=stMetricValue]')[1]"


def test_planner_session_offline():
    """Open the page, see the map and results, move a weight, click a parcel."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("内蒙古新能源基地选址").first.wait_for(timeout=60_000)
        frame = wait_for_map(page)
        page.get_by_text("优选装机").first.wait_for(timeout=180_000)
        frame = wait_for_map(page)
        assert frame.locator(".leaflet-overlay-pane canvas").count() > 0
        assert frame.locator(".leaflet-image-layer").count() >= 1  # the score overlay
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / "app.png"))

        # move the resource weight (first slider of the weights panel) to the right
        before = page.evaluate(f"{ENERGY_METRIC}.innerText")
        slider = page.get_by_role("slider").nth(0)
        slider.focus()
        for _ in range(6):
            page.keyboard.press("ArrowRight")
        page.wait_for_function(f"b => {ENERGY_METRIC}.innerText != b", arg=before,
                               timeout=60_000)
        after = page.evaluate(f"{ENERGY_METRIC}.innerText")
        assert after != before
        frame = wait_for_map(page)

        # click a parcel near Bayan Obo (Baotou) and see its details
        wait_idle(page)
        wait_for_map(page)
        click_map_at(page, 41.9, 110.2)
        page.get_by_text("风功率密度等级").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTIFACTS / "app_after.png"))

        outside = [u for u in page.requested if not is_loopback(u)]
        assert outside == [], f"requests left the machine: {outside[:5]}"
        assert any("/app/static/leaflet/leaflet.js" in u for u in page.requested)
