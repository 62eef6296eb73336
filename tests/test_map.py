"""The app's map (``ui.sitemap``, ``ui.mapview``, ``ui.map_files``): offline, small
arguments, parcel colours that match the ramp, files served by content hash."""
import json
import re

import numpy as np
import pytest

from siting import colours
from ui import map_files, mapview
from ui.sitemap import FRONTEND_DIR


def test_map_loads_nothing_from_the_internet(tmp_path):
    """Every bundled layer on one map: each is served by the app, and the component's
    page loads Leaflet and its own script from the app only."""
    from layers.catalog import load_catalog
    from layers.io import read_raster, read_vector

    specs = []
    for info in load_catalog().values():
        if info.kind == "raster":
            overlay = mapview.raster_overlay(read_raster(info.path), layer_id=info.id)
            url = map_files.publish_png(overlay.image, folder=tmp_path)
            specs.append(mapview.image_layer(info.id, info.id, url=url, bounds=overlay.bounds,
                                             opacity=0.7))
        else:
            gdf = read_vector(info.path, layer=info.layer)
            simplify, fields = mapview.VECTOR_DISPLAY[info.id]
            geojson = mapview.vector_geojson(gdf, simplify_deg=simplify, columns=fields)
            specs.append(mapview.vector_layer(
                info.id, info.id, url=map_files.publish_json(geojson, folder=tmp_path),
                kind=mapview.geometry_kind(gdf), color="#000"))
    spec = mapview.map_spec(specs, height=640)
    assert mapview.remote_urls(spec) == []
    assert spec["basemap"] == []  # no tiles unless the user picks a basemap
    page = (FRONTEND_DIR / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/app/static/leaflet/leaflet.js" in links
    assert all(not link.startswith(("http:", "https:", "//")) for link in links), links
    script = (FRONTEND_DIR / "sitemap.js").read_text(encoding="utf-8")
    assert "http://" not in script and "https://" not in script


def test_a_remote_layer_is_named():
    spec = mapview.map_spec([mapview.image_layer("x", "x", url="https://example.org/a.png",
                                                 bounds=((40, 110), (41, 111)), opacity=1)],
                            height=100)
    assert mapview.remote_urls(spec) == ["https://example.org/a.png"]


def test_parcel_codes_by_hand():
    """0 = not drawn; 1..255 = place between vmin and vmax."""
    codes = mapview.parcel_codes([0.0, 50.0, 100.0, np.nan, 150.0, -5.0], vmin=0, vmax=100,
                                 hide_zero=True)
    assert codes.tolist() == [0, 128, 255, 0, 255, 0]
    shown = mapview.parcel_codes([0.0, 1.0], vmin=0, vmax=1)
    assert shown.tolist() == [1, 255]  # without hide_zero, 0 is drawn (bottom of the ramp)


def test_painted_parcels_take_their_colour_and_nothing_else():
    pixels = mapview.PixelIndex(index=np.array([[0, 0, 1], [-1, 2, 1]]),
                                bounds=((40.0, 110.0), (41.0, 111.0)))
    palette = mapview.code_palette("Greys")
    image = mapview.paint(pixels, np.array([1, 255, 0], dtype="uint8"), palette).image
    assert image[0, 0].tolist() == image[0, 1].tolist() == palette[1].tolist()
    assert image[0, 2].tolist() == palette[255].tolist() == image[1, 2].tolist()
    assert image[1, 0, 3] == 0 and image[1, 1, 3] == 0  # no parcel; parcel with code 0
    assert palette[0].tolist() == [0, 0, 0, 0]


def test_score_palette_is_the_one_ramp():
    palette = mapview.code_palette(colours.score_cmap())
    codes = mapview.parcel_codes([colours.SCORE_MIN + 1e-9, colours.SCORE_MAX],
                                 vmin=colours.SCORE_MIN, vmax=colours.SCORE_MAX)
    top = palette[codes[1]][:3].tolist()
    assert top == [round(c * 255) for c in colours.score_rgba(colours.SCORE_MAX)[:3]]


def test_index_image_round_trip():
    """The browser reads row + 1 from the red, green and blue bytes (sitemap.js)."""
    index = np.array([[-1, 0, 255], [256, 65_536, 185_396]], dtype="int32")
    rgb = mapview.index_image(mapview.PixelIndex(index=index, bounds=((0, 0), (1, 1))))
    decoded = (rgb[..., 0].astype(int) << 16) | (rgb[..., 1].astype(int) << 8) | rgb[..., 2]
    assert (decoded - 1).tolist() == index.tolist()


def test_index_png_is_lossless():
    import io

    from PIL import Image

    index = np.arange(-1, 70_000 - 1, dtype="int32").reshape(200, 350)
    rgb = mapview.index_image(mapview.PixelIndex(index=index, bounds=((0, 0), (1, 1))))
    back = np.asarray(Image.open(io.BytesIO(map_files.png_bytes(rgb))))
    assert np.array_equal(back, rgb)


def test_weight_change_sends_kilobytes_not_megabytes():
    """A parcel layer's arguments at the default grid (~47k parcels): its codes inline
    (~63 kB of base64), its pixel index by URL."""
    rng = np.random.default_rng(0)
    codes = mapview.parcel_codes(rng.uniform(0, 100, 47_000), vmin=0, vmax=100)
    layer = mapview.parcels_layer("score", "score", index_url="/app/static/maplayers/a.png",
                                  bounds=((37, 97), (54, 126)), codes=codes,
                                  palette=mapview.code_palette(colours.score_cmap()),
                                  opacity=0.7)
    size = len(json.dumps(mapview.map_spec([layer], height=640)))
    assert 60_000 < size < 100_000
    import base64
    assert np.frombuffer(base64.b64decode(layer["codes"]), "uint8").tolist() == codes.tolist()


def test_published_files_are_named_by_content(tmp_path, monkeypatch):
    first = map_files.publish(b"abc", ".json", folder=tmp_path)
    again = map_files.publish(b"abc", ".json", folder=tmp_path)
    other = map_files.publish(b"abd", ".json", folder=tmp_path)
    assert first == again != other
    assert first.startswith(map_files.MAP_FILES_URL + "/")
    assert (tmp_path / first.rsplit("/", 1)[1]).read_bytes() == b"abc"


def test_only_the_newest_files_are_kept(tmp_path, monkeypatch):
    import os
    import time

    monkeypatch.setattr(map_files, "KEEP_FILES", 3)
    names = []
    for i in range(5):
        names.append(map_files.publish(str(i).encode(), ".json", folder=tmp_path)
                     .rsplit("/", 1)[1])
        path = tmp_path / names[-1]
        os.utime(path, (time.time() + i, time.time() + i))  # distinct ages
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(names[-3:])


@pytest.mark.parametrize("kind", ["none", "osm", "tianditu_img"])
def test_basemap_only_when_chosen(kind):
    tiles = mapview.basemap_tiles(kind, tianditu_key=" k ")
    if kind == "none":
        assert tiles == []
    else:
        assert tiles and all(t["url"].startswith("https://") for t in tiles)
    if kind.startswith("tianditu"):
        assert all("tk=k" in t["url"] and "{z}" in t["url"] for t in tiles)


def test_shortlist_json_by_hand():
    """Rows by position, coordinates rounded, properties as the map styles them."""
    import pandas as pd
    import shapely

    geometries = np.array([shapely.box(110.0, 40.0, 110.1, 40.1),
                           shapely.box(111.123456789, 41.0, 111.2, 41.1),
                           shapely.box(112.0, 42.0, 112.1, 42.1)])
    shortlist = pd.DataFrame({"parcel_id": ["P3", "P2"], "score": [88.04, 70.0],
                              "base_id": ["B001", None], "league": ["阿拉善盟", "<b>x</b>"]},
                             index=[2, 1])
    data = json.loads(mapview.shortlist_json(shortlist, geometries))
    first, second = data["features"]
    assert first["properties"] == {"parcel_id": "P3", "score": 88.0, "base_id": "B001",
                                   "league": "阿拉善盟"}
    assert second["properties"]["base_id"] == "" and second["properties"]["league"] == "<b>x</b>"
    assert first["geometry"]["coordinates"][0][0][0] in (112.0, 112.1)
    xs = [x for x, _ in second["geometry"]["coordinates"][0]]
    assert 111.12346 in xs and 111.123456789 not in xs


def test_pixel_index_by_hand():
    """Two 10 km squares side by side (Albers): every pixel centre inside one shows its
    row, the gap between them and the margin show -1."""
    import geopandas as gpd
    import shapely

    albers = "+proj=aea +lat_0=0 +lon_0=110 +lat_1=25 +lat_2=47 +ellps=GRS80 +units=m"
    parcels = gpd.GeoDataFrame(geometry=[shapely.box(0, 4.5e6, 10_000, 4.51e6),
                                         shapely.box(20_000, 4.5e6, 30_000, 4.51e6)],
                               crs=albers)
    arrays, meta = mapview._burn_pixel_index(parcels, 60)
    index = arrays["index"]
    assert set(np.unique(index)) == {-1, 0, 1}
    middle = index[index.shape[0] // 2]
    # left to right: parcel 0, the 10 km gap, parcel 1 (each about a third of the width)
    runs = [int(v) for i, v in enumerate(middle) if i == 0 or v != middle[i - 1]]
    assert runs == [0, -1, 1]
    assert abs((middle == 0).sum() - (middle == 1).sum()) <= 1
    (south, west), (north, east) = meta["bounds"]
    assert 109.9 < west < 110.0 < east < 110.5 and 41 < south < north < 42.5
