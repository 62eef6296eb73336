"""Real-browser test: the app in headless Chromium, offline, on loopback only."""
import os
import shutil
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, browser_page, is_loopback, streamlit_server, wait_for_map

HAVE_CHROMIUM = bool(shutil.which(CHROMIUM) or os.path.exists(CHROMIUM))
# CI sets SITING_REQUIRE_BROWSER=1 so a missing browser fails instead of skipping.
REQUIRED = os.environ.get("SITING_REQUIRE_BROWSER") == "1"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not HAVE_CHROMIUM and not REQUIRED,
                                 reason="Debian chromium not installed (.ci/run installs it)")]

ARTIFACTS = Path(os.environ.get("SITING_ARTIFACTS", Path(__file__).parent / "artifacts"))


def test_map_draws_offline_with_no_request_leaving_loopback():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("内蒙古新能源基地选址").first.wait_for(timeout=60_000)
        frame = wait_for_map(page)
        # vector layers (leagues, border …) are drawn on a canvas renderer
        assert frame.locator(".leaflet-overlay-pane canvas").count() > 0
        page.wait_for_timeout(1500)  # let the canvas paint before the screenshot
        assert frame.locator(".leaflet-image-layer").count() >= 1  # the wind overlay
        page.get_by_text("图例").first.wait_for()
        page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=False)
        outside = [u for u in page.requested if not is_loopback(u)]
        assert outside == [], f"requests left the machine: {outside[:5]}"
        assert any("/app/static/leaflet/leaflet.js" in u for u in page.requested)
