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
        # the score overlay arrives with the results (a feature group added in place)
        frame.locator(".leaflet-image-layer").first.wait_for(state="attached",
                                                             timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / "app.png"))

        # raise the resource weight (a number input of the weights panel)
        before = page.evaluate(f"{ENERGY_METRIC}.innerText")
        weight = page.get_by_label("资源（风速/辐射）")
        weight.fill("0.9")
        weight.press("Enter")
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


def _metric_texts(page) -> list[str]:
    return page.evaluate("[...document.querySelectorAll('[data-testid=stMetricValue]')]"
                         ".map(e => e.innerText)")


def _checked_radio(page, group_label: str) -> str:
    group = page.get_by_role("radiogroup", name=group_label)
    return group.locator("label:has(input:checked)").inner_text().strip()


def test_language_switch_keeps_the_choices_and_the_figures():
    """Solar in Chinese → English → Chinese: still solar, the same GW each time."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server() as url, browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("优选装机").first.wait_for(timeout=180_000)
        wait_idle(page)
        page.get_by_role("radiogroup", name="技术类型").get_by_text("光伏").click()
        wait_idle(page)
        page.wait_for_function("() => document.body.innerText.includes('光伏')")
        wait_for_map(page)
        zh = _metric_texts(page)
        assert _checked_radio(page, "技术类型") == "光伏"
        page.screenshot(path=str(ARTIFACTS / "app_zh_solar.png"))

        page.get_by_role("radiogroup", name="语言 / Language").get_by_text("English").click()
        page.get_by_text("Shortlisted capacity").first.wait_for(timeout=120_000)
        wait_idle(page)
        wait_for_map(page)
        assert _checked_radio(page, "Technology") == "solar PV"
        assert _checked_radio(page, "Weighting") == "direct"
        en = _metric_texts(page)
        assert en[:3] == zh[:3], (zh, en)
        body = page.locator("body").inner_text()
        assert "DuplicateError" not in body and "Something went wrong" not in body
        page.screenshot(path=str(ARTIFACTS / "app_en_solar.png"))
        for tab in ("Downloads", "Import your own data", "Scenario library", "About the data"):
            page.get_by_role("tab", name=tab).click()
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
        assert frame.locator(".leaflet-control-layers").count() == 1
        scale = frame.locator(".leaflet-control-scale").inner_text()
        assert "km" in scale and "mi" not in scale and "ft" not in scale
        page.screenshot(path=str(ARTIFACTS / "app_en_tabs.png"))

        page.get_by_role("radiogroup", name="语言 / Language").get_by_text("中文").click()
        page.get_by_text("优选装机").first.wait_for(timeout=120_000)
        wait_idle(page)
        assert _checked_radio(page, "技术类型") == "光伏"
        assert _metric_texts(page)[:3] == zh[:3]


def _bad_files(folder: Path) -> dict[str, Path]:
    """A few hostile or broken uploads, made here."""
    import zipfile

    files = {}
    empty = folder / "empty.tif"
    empty.write_bytes(b"")
    files["empty"] = empty
    text = folder / "notes.tif"
    text.write_text("this is not a raster", encoding="utf-8")
    files["text"] = text
    broken = folder / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    files["broken"] = broken
    slip = folder / "slip.zip"
    with zipfile.ZipFile(slip, "w") as z:
        z.writestr("../../evil.shp", b"x")
    files["zip_slip"] = slip
    return files


def test_bad_uploads_show_a_message_never_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("SITING_WORKSPACE", str(tmp_path / "ws"))
    bad = _bad_files(tmp_path)
    with streamlit_server() as url, browser_page() as page:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("优选装机").first.wait_for(timeout=180_000)
        wait_idle(page)
        page.get_by_role("tab", name="导入自有数据").click()

        for kind, path in bad.items():


            page.locator("input[type=file]").last.set_input_files(str(path))
            page.wait_for_timeout(500)
            wait_idle(page)
            page.get_by_role("button", name="导入", exact=True).click()
            wait_idle(page)
            # the message names the file (and says what is wrong)
            alert = page.locator("[data-testid=stAlertContentError]", has_text=path.name)
            alert.first.wait_for(timeout=60_000)
            message = alert.first.inner_text()
            assert len(message) > len(path.name) + 20, (kind, message)
            body = page.locator("body").inner_text()
            assert "Traceback" not in body
            page.get_by_role("button", name=f"Remove {path.name}").click()
            wait_idle(page)
        page.screenshot(path=str(ARTIFACTS / "app_upload_error.png"))
    assert not (tmp_path / "ws" / "layers").exists() or \
        not any((tmp_path / "ws" / "layers").iterdir())
