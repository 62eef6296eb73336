"""The offline interactive map (``map.html``, ``siting.outputs.webmap``).

Fast tests use the hand-made six-parcel result of ``tests/test_export.py``: four parcels
shortlisted (scores 95, 90, 85, 60), three of them in base B001; parcel 5 scores 30 and
parcel 6 is excluded (score 0).
"""
from __future__ import annotations

import io
import re
import subprocess
import sys

import numpy as np
import pytest

from layers.catalog import REPO_DIR
from siting import colours, outputs
from siting import scenario as sc
from siting.outputs import formats, webmap
from tests.test_export import boundaries, make_result

EVIL = "<script>alert(1)</script>"
#: Any src= or href= pointing at the web (http:, https: or protocol-relative //).
REMOTE_LINK = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture(scope="module")
def leagues():
    return boundaries()["leagues"]


@pytest.fixture(scope="module")
def page(leagues) -> str:
    data = outputs.render(make_result(), "html", leagues=leagues)
    return data.decode("utf-8")


def test_html_is_a_snapshot_format_the_cli_and_downloads_offer():
    assert formats.BY_ID["html"].filename == "map.html"
    assert formats.MIME_TYPES["html"] == "text/html"
    assert "html" in formats.SNAPSHOT_FORMATS  # --snapshot and the downloads list
    assert "html" not in formats.BRIEFING_FORMATS  # not drawn by the briefing figure


def test_map_holds_every_shortlisted_parcel_and_base(page):
    result = make_result()
    for parcel_id in result.shortlist["parcel_id"]:
        assert f'"parcel_id": "{parcel_id}"' in page
    assert '"parcel_id": "P000005"' not in page  # not shortlisted: only in the score image
    assert result.bases["base_id"].tolist() == ["B001"]
    assert '"base_id": "B001", "capacity": 2.7' in page  # 2,700 MW
    assert page.count('"type": "Feature"') == 4 + 1 + 12  # shortlist, bases, 12 leagues


def test_map_loads_nothing_from_the_web(page):
    assert not REMOTE_LINK.search(page)
    assert "<link" not in page and not re.search(r"<script[^>]*\bsrc", page)
    assert "url(images/" not in page  # Leaflet's icons are data URIs


def test_leaflet_is_inline(page):
    import xstatic.pkg.leaflet as xleaflet

    assert f"Leaflet {xleaflet.VERSION}, a JS library for interactive maps" in page
    assert "L.map(" in page and ".leaflet-control-layers-toggle" in page
    assert "L.control.scale({metric: true, imperial: false" in page


def test_user_text_is_escaped(leagues):
    result = make_result()
    result.scenario = sc.from_dict({"name": f"{EVIL} {{{{ 7*7 }}}}", "tech": "solar"})
    result.shortlist["league"] = EVIL
    result.bases["leagues"] = EVIL
    named = leagues.copy()
    named["name_zh"] = EVIL
    page = webmap.render_webmap(result, boundaries=named).decode("utf-8")
    assert EVIL not in page
    as_html = "&lt;script&gt;alert(1)&lt;/script&gt;"  # the title and the title box
    as_json = as_html.replace("&", "\\u0026")  # inside the GeoJSON (tooltips)
    assert page.count(as_html) == 2
    assert page.count(as_json) == 4 + 1 + 12  # shortlist leagues, base leagues, league names
    assert page.count("alert(1)") == page.count(as_html) + page.count(as_json)
    assert "{{ 7*7 }}" in page  # names are not read as templates


def test_score_image_is_the_score_ramp(leagues):
    from PIL import Image

    parcels = make_result().parcels
    index, ((south, west), (north, east)) = webmap.score_index(parcels, max_px=200)
    assert max(index.shape) == 200
    assert set(np.unique(index)) == {0, 30, 60, 85, 90, 95}  # parcel 6 (score 0): none
    assert south < 40.0 < north and west < 108.0 < east  # make_result's corner
    image = Image.open(io.BytesIO(webmap.score_png(index)))
    palette = image.getpalette()
    assert "#{:02x}{:02x}{:02x}".format(*palette[3 * 95:3 * 96]) == colours.score_hex(95)
    alpha = np.asarray(image.convert("RGBA"))[..., 3]
    assert (alpha[index == 0] == 0).all() and (alpha[index > 0] == 255).all()


def test_synthetic_warning_only_when_synthetic(leagues):
    result = make_result()
    result.shortlist["synthetic"] = ""
    assert "含合成数据" not in webmap.render_webmap(result).decode("utf-8")
    result.shortlist["synthetic"] = "redline"  # synthetic in make_result's provenance
    assert "含合成数据：生态保护红线" in webmap.render_webmap(result).decode("utf-8")
    english = webmap.render_webmap(result, lang="en").decode("utf-8")
    assert "Contains synthetic data: Ecological red line" in english
    assert "Shortlisted 3.4 GW · 5.8 TWh/yr · 1 bases" in english  # 3,400 MW, 5,750 GWh


def test_run_writes_map_html_beside_the_briefing(tmp_path, leagues):
    from siting.cli import write_outputs

    paths = write_outputs(make_result(), tmp_path, formats=("csv",), snapshots=("html",),
                          leagues=leagues, province=boundaries()["province"])
    assert tmp_path / "map.html" in paths
    assert not (tmp_path / "briefing.png").exists()  # html alone draws no briefing figure
    assert '"parcel_id": "P000001"' in (tmp_path / "map.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_cli_writes_map_html(tmp_path):
    """The whole pipeline on a coarse grid (10 km, 50 km parcels) through the CLI."""
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "siting", "run", "--tech", "wind", "--quiet",
                           "--resolution", "10000", "--parcel-size", "50", "--format", "csv",
                           "--snapshot", "html", "--out", str(out)],
                          cwd=REPO_DIR, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    page = (out / "map.html").read_text(encoding="utf-8")
    import pandas as pd

    table = pd.read_csv(out / "shortlist.csv", encoding="utf-8-sig")
    assert len(table) > 0
    for parcel_id in table["parcel_id"]:
        assert f'"parcel_id": "{parcel_id}"' in page
    assert not REMOTE_LINK.search(page)
