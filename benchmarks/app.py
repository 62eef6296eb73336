"""App speed and payload: cold start to first map, to results, rerun after a weight change.

    python benchmarks/app.py

Starts ``streamlit run app.py`` on loopback and drives it in headless Chromium
(Debian chromium + pip playwright). The baseline, measured in the same run, is a
bare Streamlit page with one line of text: the ratio shows what the app adds.
Targets (shared/perf.md): first map ≤ 10 s, warm rerun ≤ 1 s, payload ≤ 5 MB.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser import browser_page, streamlit_server, wait_for_map, wait_idle  # noqa: E402

TARGET_FIRST_MAP_S = 10.0
TARGET_RERUN_S = 1.0
TARGET_PAYLOAD_MB = 5.0
ENERGY_METRIC = "document.querySelectorAll('[data-testid=stMetricValue]')[1]"


def baseline_page_s() -> float:
    """Seconds to show a one-line Streamlit page (same server and browser setup)."""
    folder = Path(tempfile.mkdtemp())
    (folder / "hello.py").write_text("import streamlit as st\nst.title('hello')\n")
    with streamlit_server(script=str(folder / "hello.py")) as url, browser_page() as page:
        start = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("hello").first.wait_for(timeout=60_000)
        return time.perf_counter() - start


def main():
    base_s = baseline_page_s()
    received = []
    ws_bytes = [0]

    def on_socket(ws):
        ws.on("framereceived", lambda payload: ws_bytes.__setitem__(
            0, ws_bytes[0] + len(payload if isinstance(payload, bytes | str) else b"")))

    with streamlit_server() as url, browser_page() as page:
        page.on("response", lambda r: received.append(r))
        page.on("websocket", on_socket)
        start = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded")
        wait_for_map(page, timeout_ms=120_000)
        first_map_s = time.perf_counter() - start
        page.get_by_text("优选装机").first.wait_for(timeout=300_000)
        wait_idle(page)
        results_s = time.perf_counter() - start
        static = sum(len(r.body()) for r in received if r.ok and r.request.method == "GET")
        # page data (map, tables) travels over Streamlit's websocket
        data_bytes = ws_bytes[0]
        reruns = []
        for step in range(3):
            before = page.evaluate(f"{ENERGY_METRIC}.innerText")
            page.get_by_role("slider").nth(0).focus()
            t0 = time.perf_counter()
            page.keyboard.press("ArrowRight" if step % 2 == 0 else "ArrowLeft")
            page.wait_for_function(f"b => {ENERGY_METRIC}.innerText != b", arg=before,
                                   timeout=60_000)
            wait_idle(page)
            reruns.append(time.perf_counter() - t0)
    rerun_s = sorted(reruns)[len(reruns) // 2]
    print("app benchmark (2-core machine; Chromium headless; default data)")
    print(f"  baseline: bare Streamlit page           {base_s:6.2f} s")
    print(f"  cold start → first map                 {first_map_s:6.2f} s  "
          f"ratio {first_map_s / base_s:5.1f}×  target ≤ {TARGET_FIRST_MAP_S:g} s")
    print(f"  cold start → results (metrics)          {results_s:6.2f} s  "
          f"ratio {results_s / base_s:5.1f}×")
    print(f"  weight change → new results (median)    {rerun_s:6.2f} s  "
          f"ratio {rerun_s / base_s:5.1f}×  target ≤ {TARGET_RERUN_S:g} s")
    print(f"  page data over the websocket (map etc.) {data_bytes / 1e6:6.2f} MB  "
          f"target ≤ {TARGET_PAYLOAD_MB:g} MB")
    print(f"  static files (Streamlit JS, Leaflet)    {static / 1e6:6.2f} MB  "
          "(served locally, cached by the browser)")


if __name__ == "__main__":
    main()
