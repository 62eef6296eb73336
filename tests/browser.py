"""Start the app with `streamlit run` on loopback and drive it in headless Chromium.

Shared by the browser tests and ``scripts/screenshot.py``. Chromium comes from
Debian (``/usr/bin/chromium``), Playwright from pip; nothing is downloaded.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
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


class ServerURL(str):
    """The app's base URL; ``log_path`` is the file the server writes its log to."""

    log_path: Path

    def log_tail(self, n_chars: int = 4000) -> str:
        """The end of the server log (where tracebacks go), for failure messages."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-n_chars:]
        except OSError:
            return ""


@contextlib.contextmanager
def streamlit_server(timeout_s: float = 90.0, script: str = "app.py"):
    """Run ``streamlit run SCRIPT`` on a free loopback port; yield its base URL.

    The server log goes to a temporary file (a pipe nobody reads could fill up
    and stall the server); ``url.log_tail()`` returns its end.
    """
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.headless", "true",
           "--browser.gatherUsageStats", "false"]
    log_dir = Path(tempfile.mkdtemp(prefix="streamlit-log-"))
    url = ServerURL(f"http://127.0.0.1:{port}")
    url.log_path = log_dir / "server.log"
    with open(url.log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO_DIR, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{url.log_tail()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"streamlit did not become healthy:\n{url.log_tail()}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(log_dir, ignore_errors=True)


def is_loopback(url: str) -> bool:
    """True for URLs served by this machine (or data:/blob:/about: URLs)."""
    if url.startswith(("data:", "blob:", "about:", "chrome")):
        return True
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0] if "://" in url else ""
    return host in ("127.0.0.1", "localhost", "[::1]", "::1")


@contextlib.contextmanager
def browser_page(width: int = 1600, height: int = 1000):
    """A headless Chromium page that cannot leave the machine.

    Every request URL is recorded in ``page.requested`` (requests to other hosts
    are also aborted, so a test stays offline even when it fails), and console
    errors and uncaught page errors in ``page.console_errors``.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        requested: list[str] = []
        console_errors: list[str] = []
        page.on("request", lambda req: requested.append(req.url))
        page.script_runs = ScriptRuns()
        page.on("websocket", page.script_runs.on_websocket)
        page.on("console", lambda msg: console_errors.append(
            f"console {msg.type}: {msg.text} ({msg.location.get('url', '')})")
            if msg.type == "error" else None)
        page.on("pageerror", lambda exc: console_errors.append(f"page error: {exc}"))
        page.route(lambda u: not is_loopback(u), lambda route: route.abort())
        page.requested = requested
        page.console_errors = console_errors
        try:
            yield page
        finally:
            browser.close()


#: The map component's iframe (``ui.sitemap``).
MAP_IFRAME = 'iframe[title="ui.sitemap.site_map"]'


def wait_for_map(page, timeout_ms: int = 90_000):
    """Wait until the Leaflet map inside the map component's iframe has drawn."""
    frame = page.frame_locator(MAP_IFRAME).last
    frame.locator(".leaflet-container").wait_for(state="visible", timeout=timeout_ms)
    frame.locator(".leaflet-overlay-pane svg, .leaflet-overlay-pane canvas, "
                  ".leaflet-image-layer").first.wait_for(state="attached", timeout=timeout_ms)
    return frame


def wait_for_results_map(page, timeout_ms: int = 120_000):
    """Wait until a map on the page shows the parcel layer (the results have arrived).

    Polls every map frame: the first view's map (layers only, while the parcels are
    computed) is replaced by the results' map, and a locator bound to the old frame
    would wait on a frame that is gone."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "ui.sitemap.site_map" not in frame.url or frame.is_detached():
                continue
            try:
                if frame.evaluate("() => !!document.querySelector('canvas.sitemap-parcels')"):
                    return frame
            except Exception:  # the frame went away while asked
                continue
        page.wait_for_timeout(50)
    raise TimeoutError("no map with the parcel layer on the page")


class ScriptRuns:
    """Follows the app's script runs from Streamlit's websocket messages.

    The page has no reliable "running" marker (the status widget is not drawn
    in headless runs), so the test reads the protocol: ``session_status_changed``
    says whether the script runs, ``script_finished`` ends each run.
    """

    def __init__(self):
        self.running = False
        self.finished = 0
        self.last_event = time.monotonic()

    def on_websocket(self, ws):
        if "/_stcore/stream" in ws.url:
            ws.on("framereceived", self.on_frame)

    def on_frame(self, payload):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if isinstance(payload, str):
            return
        msg = ForwardMsg()
        try:
            msg.ParseFromString(payload)
        except Exception:  # not a ForwardMsg: nothing to follow
            return
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.running = True
        elif kind == "session_status_changed":
            self.running = msg.session_status_changed.script_is_running
        elif kind == "script_finished":
            if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                self.finished += 1
                self.running = False
        else:
            return
        self.last_event = time.monotonic()


def wait_idle(page, timeout_ms: int = 120_000, quiet_ms: int = 600):
    """Wait until Streamlit has finished running the script and the page is drawn.

    Idle means: no script run for ``quiet_ms`` (a component such as the map may
    ask for one more run right after a run ends), and no element left stale
    (faded) from the previous run.
    """
    runs: ScriptRuns | None = getattr(page, "script_runs", None)
    deadline = time.monotonic() + timeout_ms / 1000
    page.wait_for_timeout(300)
    while runs is not None:
        quiet = time.monotonic() - runs.last_event
        if not runs.running and quiet * 1000 >= quiet_ms:
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"the app still runs after {timeout_ms} ms")
        page.wait_for_timeout(50)  # lets Playwright deliver the websocket events
    remaining = max(int((deadline - time.monotonic()) * 1000), 1000)
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]') && "
                           "!document.querySelector('[data-stale=true]')", timeout=remaining)


def map_frame(page):
    """The Playwright Frame of the map component (where ``window.map`` lives)."""
    frames = [f for f in page.frames if "ui.sitemap.site_map" in f.url and not f.is_detached()]
    if not frames:
        raise RuntimeError("no map component frame on the page")
    frames[-1].wait_for_function("() => window.map && window.map.getSize().x > 0")
    return frames[-1]


#: Zoom a click is made at: at the region-wide view a screen pixel is ~4 km, about a
#: parcel's width, so a click there can land on the neighbour; a planner zooms in too.
CLICK_ZOOM = 9


def center_map_on(page, lat: float, lon: float, *, zoom: int = CLICK_ZOOM):
    """Centre the Leaflet map on a lat/lon at ``zoom`` (no animation) and let it settle."""
    map_frame(page).evaluate("([lat, lon, zoom]) => { window.map.setView([lat, lon], zoom, "
                             "{animate: false}); return true; }", [lat, lon, zoom])
    page.wait_for_timeout(300)


def click_map_at(page, lat: float, lon: float, *, zoom: int = CLICK_ZOOM, centre: bool = True):
    """Click the Leaflet map at a lat/lon: centre it there at ``zoom`` (``centre=False``:
    it is there already, :func:`center_map_on`), then fire Leaflet's own map click at
    that point, the event a mouse click produces and the map component reports
    (its ``click`` handler: ``e.latlng``). A mouse click at pixel coordinates could land on the
    neighbouring parcel when the map is redrawn between the centring and the click."""
    if centre:
        center_map_on(page, lat, lon, zoom=zoom)
    map_frame(page).evaluate("([lat, lon]) => { window.map.fire('click', "
                             "{latlng: L.latLng(lat, lon)}); return true; }", [lat, lon])


# --- helpers of the walk test (one planner session, step by step) -------------------------

#: Text that must never be on the page: tracebacks, exception names, the app's error prefix.
BAD_TEXT = re.compile(r"Traceback|\b[A-Za-z]*Error\b|出错了|Something went wrong")

_PAGE_STATE_JS = """() => {
  const texts = s => [...document.querySelectorAll(s)].map(e => e.innerText.trim());
  return {exceptions: texts('[data-testid=stException]'),
          errors: texts('[data-testid=stAlertContentError]'),
          body: document.body.innerText};
}"""


def page_problems(page) -> list[str]:
    """Everything wrong on the page now: exceptions, st.error alerts, error texts, console
    errors, requests to another host. Empty when the page is clean."""
    state = page.evaluate(_PAGE_STATE_JS)
    problems = [f"exception shown: {e[:600]}" for e in state["exceptions"]]
    problems += [f"error message shown: {e[:600]}" for e in state["errors"]
                 if e not in state["exceptions"]]  # st.exception is an error box too
    shown = state["exceptions"] + state["errors"]
    for match in BAD_TEXT.finditer(state["body"]):
        if any(match.group() in text for text in shown):
            continue  # already reported with its whole message
        start, end = max(match.start() - 80, 0), match.end() + 120
        problems.append(f"page text {match.group()!r}: …{state['body'][start:end]}…")
    problems += list(page.console_errors)
    problems += [f"request left the machine: {u}" for u in page.requested if not is_loopback(u)]
    return list(dict.fromkeys(problems))


def assert_page_clean(page, step: str):
    problems = page_problems(page)
    assert not problems, f"step '{step}': " + "\n  ".join(["the page is not clean:"] + problems)


@contextlib.contextmanager
def walk_step(page, step: str, artifacts: Path, server=None):
    """Run one step of the walk; on any failure raise one message naming the step, with
    what the page shows (errors, exceptions), a screenshot and the server log's end.
    After the step the page must be clean (see :func:`page_problems`)."""
    try:
        yield
        wait_idle(page)
        assert_page_clean(page, step)
    except Exception as exc:
        shot = artifacts / f"FAILED-{re.sub(r'[^A-Za-z0-9]+', '_', step).strip('_')}.png"
        with contextlib.suppress(Exception):
            page.screenshot(path=str(shot), full_page=True)
        own = str(exc).startswith(f"step '{step}'")
        message = str(exc) if own else f"step '{step}' failed: {type(exc).__name__}: " \
            f"{str(exc)[:1500]}"
        if not own:
            try:
                problems = page_problems(page)
            except Exception as inner:  # the page itself may be gone
                problems = [f"(could not read the page: {inner})"]
            if problems:
                message += "\n  the page shows:\n  " + "\n  ".join(problems)
        message += f"\n  screenshot: {shot}"
        log = server.log_tail(3000) if server is not None else ""
        if "Traceback" in log:
            message += "\n  server log (end):\n" + log
        raise AssertionError(message) from exc


def numbers_only(texts) -> list[str]:
    """The figures of metric texts without their (translated) units:
    '319.6 TWh/年' and '319.6 TWh/yr' both give '319.6'."""
    import re

    return [" ".join(re.findall(r"[0-9][0-9,.]*%?", text)) for text in texts]


def metric_values(page) -> list[str]:
    """The values of every st.metric on the page, in page order."""
    return page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stMetricValue]')]"
        ".map(e => e.innerText.trim())")


def wait_metrics(page, timeout_ms: int = 180_000) -> list[str]:
    """Wait until the headline metrics are shown; return their values."""
    page.locator("[data-testid=stMetricValue]").first.wait_for(timeout=timeout_ms)
    wait_idle(page, timeout_ms)
    return metric_values(page)


def wait_metrics_change(page, before: list[str], timeout_ms: int = 120_000) -> list[str]:
    """Wait until the metric values differ from ``before`` and the run has finished."""
    page.wait_for_function(
        "b => { const v = [...document.querySelectorAll('[data-testid=stMetricValue]')]"
        ".map(e => e.innerText.trim()); return v.length > 0 && JSON.stringify(v) !== b; }",
        arg=json.dumps(before), timeout=timeout_ms)
    wait_idle(page, timeout_ms)
    return metric_values(page)


def wait_text(page, text: str, timeout_ms: int = 60_000):
    """Wait until ``text`` is visible somewhere on the page (main document)."""
    page.get_by_text(text, exact=False).filter(visible=True).first.wait_for(
        state="visible", timeout=timeout_ms)


def radio_selected(page, key: str) -> str | None:
    """The label of the selected option of the radio with ``key=`` (None if none is)."""
    return page.evaluate(
        "k => { const o = document.querySelector(`.st-key-${k} "
        "[data-testid=stRadioOption][data-selected=true]`); "
        "return o ? o.innerText.trim() : null; }", key)


def radio_options(page, key: str) -> list[str]:
    """The option labels of the radio with ``key=``."""
    return page.locator(f".st-key-{key} [data-testid=stRadioOption]").all_inner_texts()


def click_radio(page, key: str, label: str):
    """Click the option ``label`` of the radio with ``key=``."""
    radio = page.locator(f".st-key-{key}")
    radio.wait_for(state="visible", timeout=60_000)
    options = radio_options(page, key)
    assert label in [o.strip() for o in options], \
        f"radio '{key}' has no option {label!r} (options: {options})"
    radio.locator("[data-testid=stRadioOption]", has_text=label).first.click()


def set_number(page, key: str, value: float) -> tuple[str, str]:
    """Type ``value`` into the number input with ``key=`` and press Enter; return its
    text before and after."""
    box = page.locator(f".st-key-{key} input")
    box.wait_for(state="visible", timeout=60_000)
    before = box.input_value()
    box.fill(f"{value:g}")
    box.press("Enter")
    return before, box.input_value()


def tab_labels(page) -> list[str]:
    """Labels of every tab (st.tabs) on the page, in order."""
    return [s.strip() for s in page.locator("[data-testid=stTab]").all_inner_texts()]


def open_tab(page, index: int, timeout_ms: int = 30_000):
    """Click tab ``index``; wait until it is selected and its panel shows content.
    Return the panel's locator."""
    tab = page.locator("[data-testid=stTab]").nth(index)
    tab.scroll_into_view_if_needed()
    tab.click()
    page.wait_for_function(
        "i => document.querySelectorAll('[data-testid=stTab]')[i]"
        "?.getAttribute('aria-selected') === 'true'", arg=index, timeout=timeout_ms)
    panel_id = tab.get_attribute("aria-controls")
    panel = page.locator(f"[id='{panel_id}']")
    panel.wait_for(state="visible", timeout=timeout_ms)
    page.wait_for_function("id => (document.getElementById(id)?.innerText || '').trim()"
                           ".length > 0", arg=panel_id, timeout=timeout_ms)
    return panel


def best_shortlisted_parcel(page) -> dict:
    """Centre (lat, lon), id and score of the best-scoring shortlisted parcel drawn on the map."""
    frame = map_frame(page)
    found = frame.evaluate("""() => {
      let best = null;
      window.map.eachLayer(l => {
        const p = l.feature && l.feature.properties;
        if (p && p.parcel_id && l.getBounds && (!best || p.score > best.score)) {
          const c = l.getBounds().getCenter();
          best = {lat: c.lat, lon: c.lng, parcel_id: p.parcel_id, score: p.score};
        }
      });
      return best;
    }""")
    assert found, "no shortlisted parcel drawn on the map"
    return found


def screenshot(page, path: Path, *, top: bool = True, locator=None):
    """A screenshot of the viewport (scrolled to the top) or of one element."""
    if locator is not None:
        locator.scroll_into_view_if_needed()
        locator.screenshot(path=str(path))
        return
    if top:
        page.evaluate("() => { window.scrollTo(0, 0); "
                      "document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0); }")
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))


# --- interaction timings (issue 15: printed and saved, never asserted) --------------------

#: Targets of issue 15, seconds (a 2-core machine, a real browser).
TIMING_TARGETS_S = {
    "cold start → first results": 5.0,
    "cold start, new server, parcels on disk → first results": 5.0,
    "weight change → numbers": 0.3,
    "weight change → map": 0.6,
    "exclusion change (red-line buffer) → numbers": 3.0,
    "parcel click → details": 0.5,
}


class Timings:
    """Seconds of each interaction, printed against ``TIMING_TARGETS_S`` and saved as JSON.

    Tests check correctness, not speed: a slow machine (or a loaded one) must not fail
    them; ``benchmarks/app.py`` is where the targets are compared.
    """

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.notes: dict[str, str] = {}

    @contextlib.contextmanager
    def measure(self, name: str, note: str = ""):
        start = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - start
        if note:
            self.notes[name] = note

    def lines(self) -> list[str]:
        out = ["interaction timings (server on this machine, headless Chromium):"]
        for name, seconds in self.seconds.items():
            target = TIMING_TARGETS_S.get(name)
            verdict = "" if target is None else \
                f"target ≤ {target:g} s  {'met' if seconds <= target else 'NOT met'}"
            note = f"  ({self.notes[name]})" if name in self.notes else ""
            out.append(f"  {name:<46} {seconds:7.2f} s  {verdict}{note}")
        return out

    def report(self, path: Path | None = None) -> str:
        """Print the table (shown with ``pytest -s`` or ``-rA``) and write ``path`` (JSON)."""
        text = "\n".join(self.lines())
        print("\n" + text, flush=True)
        if path is not None:
            path.write_text(json.dumps(
                {"seconds": {k: round(v, 3) for k, v in self.seconds.items()},
                 "targets_s": TIMING_TARGETS_S, "notes": self.notes,
                 "cpus": os.cpu_count(), "load_avg": list(os.getloadavg())},
                ensure_ascii=False, indent=2), encoding="utf-8")
        return text


def overlay_source(page) -> str | None:
    """What the score layer on the map shows now (the key of the colour codes the
    browser painted), or None."""
    try:
        frame = map_frame(page)
        return frame.evaluate("() => { const i = document.querySelector("
                              "'canvas.sitemap-parcels'); return i ? i.dataset.codes : null; }")
    except Exception:  # the frame is being replaced: no overlay yet
        return None


def wait_overlay_change(page, before: str | None, timeout_ms: int = 60_000) -> str:
    """Wait until the map shows a score layer other than ``before``; return its key."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        now = overlay_source(page)
        if now and now != before:
            return now
        page.wait_for_timeout(20)
    raise TimeoutError("the score overlay did not change on the map")


def wait_run_finished(page, finished_before: int, timeout_ms: int = 120_000):
    """Wait until a script run after ``finished_before`` (``page.script_runs.finished``)
    has ended: the run the last interaction started has drawn its numbers."""
    runs = page.script_runs
    deadline = time.monotonic() + timeout_ms / 1000
    while runs.finished <= finished_before or runs.running:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no script run finished within {timeout_ms} ms")
        page.wait_for_timeout(20)


def open_expander_of(page, key: str, timeout_ms: int = 30_000):
    """Open the expander holding the widget with ``key=`` (if it is closed)."""
    widget = page.locator(f".st-key-{key}")
    if widget.count() and widget.first.is_visible():
        return
    holder = page.locator("[data-testid=stExpander]", has=widget)
    if holder.count() == 0:
        raise AssertionError(f"no expander holds the widget {key!r} "
                             f"({widget.count()} elements with its key on the page)")
    summary = holder.first.locator("summary").first
    summary.scroll_into_view_if_needed()
    summary.click()
    widget.first.wait_for(state="visible", timeout=timeout_ms)


def slider_thumb(page, key: str):
    """The thumb of the slider with ``key=``, visible (its expander opened)."""
    open_expander_of(page, key)
    thumb = page.locator(f".st-key-{key} input[type=range], .st-key-{key} [role=slider]").first
    if not thumb.count():  # a thumb without a focusable input: the shown value's handle
        thumb = page.locator(f".st-key-{key} [data-testid=stSliderThumbValue]").first
    page.locator(f".st-key-{key}").first.scroll_into_view_if_needed()
    return thumb


def slider_text(page, key: str) -> str:
    """The value the slider with ``key=`` shows on its thumb."""
    return page.locator(f".st-key-{key} [data-testid=stSliderThumbValue]").first.inner_text()
