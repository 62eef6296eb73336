"""One score ramp: a low and a high score get the same colour in the app's
overlay, the shortlist style, the briefing map and the KMZ styles."""
import io
import re
import zipfile
from xml.etree import ElementTree as ET

import numpy as np
from matplotlib.colors import to_rgba

from siting import colours, outputs
from siting.inputs import briefing_boundaries
from siting.outputs import briefing
from siting.outputs.briefing.figure import _draw_map, prepare_boundaries
from tests.test_export import make_result
from ui import mapview

LOW, HIGH = 5.0, 95.0  # class midpoints: classed and continuous colours coincide
KML = "{http://www.opengis.net/kml/2.2}"


def rgb255(rgba):
    return [int(round(255 * c)) for c in rgba[:3]]


def test_the_ramp_means_red_low_dark_green_high():
    assert colours.score_hex(0) == "#d7191c"
    assert colours.score_hex(100) == "#1a9641"
    low, high = colours.score_rgba(LOW), colours.score_rgba(HIGH)
    assert low[0] > low[1]   # red dominates at the bottom
    assert high[1] > high[0] and high[1] > high[2]  # green at the top
    assert colours.score_class(LOW) == 0 and colours.score_class(HIGH) == 9
    assert colours.class_colours()[0] == colours.score_hex(LOW)


def test_app_overlay_uses_the_ramp():
    pixels = mapview.PixelIndex(index=np.array([[0, 1, 2, -1]]),
                                bounds=((40.0, 110.0), (41.0, 111.0)))
    image = mapview.score_overlay(pixels, [LOW, HIGH, 0.0]).image
    # the map paints 255 steps of the ramp (one byte per parcel, 0.4 score points apart):
    # each colour lies between the ramp's colours half a step either side of the score
    for column, score in ((0, LOW), (1, HIGH)):
        near = np.array([rgb255(colours.score_rgba(score + d)) for d in (-0.4, 0.0, 0.4)])
        painted = image[0, column, :3].astype(int)
        assert (near.min(axis=0) <= painted).all() and (painted <= near.max(axis=0)).all()
    assert image[0, 2, 3] == 0 and image[0, 3, 3] == 0  # score 0 and no parcel: clear
    classes = dict(mapview.SCORE_CLASSES)  # the shortlist's classes, coloured in the browser
    assert classes[0] == colours.score_hex(LOW) and classes[90] == colours.score_hex(HIGH)


def test_briefing_map_uses_the_ramp():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    result = make_result()
    fig = Figure(figsize=(4, 4), dpi=50)
    FigureCanvasAgg(fig)
    ax = fig.add_axes([0, 0, 1, 1])
    bounds = briefing_boundaries(result.scenario)
    _draw_map(fig, ax, result, prepare_boundaries(bounds["leagues"]),
              prepare_boundaries(bounds["province"]))
    scored = [c for c in ax.collections if c.get_array() is not None]
    assert scored, "the briefing drew no scored parcels"
    for collection in scored:
        assert rgb255(collection.to_rgba(HIGH)) == rgb255(colours.score_rgba(HIGH))
        assert rgb255(collection.to_rgba(LOW)) == rgb255(colours.score_rgba(LOW))
        # score 0 (excluded) is grey, off the ramp
        assert rgb255(collection.to_rgba(0.0)) == rgb255(to_rgba(briefing.EXCLUDED_COLOUR))


def _kml_styles(result):
    data = outputs.render(result, "kmz")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = ET.fromstring(z.read("doc.kml"))
    styles = {s.get("id"): s.find(f"{KML}PolyStyle/{KML}color").text
              for s in root.iter(f"{KML}Style")}
    placemarks = {p.find(f"{KML}name").text.split()[0]: p.find(f"{KML}styleUrl").text
                  for p in root.iter(f"{KML}Placemark")}
    return styles, placemarks


def kml_rgb(aabbggrr: str):
    return [int(aabbggrr[6:8], 16), int(aabbggrr[4:6], 16), int(aabbggrr[2:4], 16)]


def test_kmz_styles_use_the_ramp():
    result = make_result()
    result.shortlist.loc[result.shortlist.index[3], "score"] = LOW
    styles, placemarks = _kml_styles(result)
    assert placemarks["P000001"] == "#p9"  # scores 95
    assert placemarks["P000004"] == "#p0"  # set to 5
    assert kml_rgb(styles["p9"]) == rgb255(colours.score_rgba(HIGH))
    assert kml_rgb(styles["p0"]) == rgb255(colours.score_rgba(LOW))
    assert re.fullmatch(r"[0-9a-f]{8}", styles["p0"])
