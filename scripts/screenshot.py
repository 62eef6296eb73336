"""Save a screenshot of the running app for the README: ``python scripts/screenshot.py``.

Needs Debian chromium (and fonts-noto-cjk for Chinese text) plus pip playwright.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser import browser_page, streamlit_server, wait_for_map, wait_idle  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshot.png"


def main():
    with streamlit_server() as url, browser_page(width=1600, height=1000) as page:
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("优选装机").first.wait_for(timeout=300_000)
        wait_idle(page)
        wait_for_map(page)
        page.wait_for_timeout(2500)
        page.screenshot(path=str(OUT))
    print(OUT)


if __name__ == "__main__":
    main()
