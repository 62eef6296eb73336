"""The Streamlit page, run headless with AppTest on the embedded data."""
import pytest
from streamlit.testing.v1 import AppTest

from layers.catalog import REPO_DIR
from ui import mapview

APP = str(REPO_DIR / "app.py")


@pytest.fixture
def app():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def test_page_runs_chinese_first_with_legend_and_about(app):
    assert app.title[0].value == "内蒙古新能源基地选址"
    assert not app.error
    text = " ".join(m.value for m in app.markdown)
    assert "图例" in text and "合成数据" in text  # the default wind layer is synthetic
    assert any("审图号" in w.value for w in app.warning)


def test_english_switch_changes_labels(app):
    app.sidebar.radio(key="lang").set_value("en").run()
    assert app.title[0].value == "Inner Mongolia new-energy base siting"
    assert "synthetic" in " ".join(m.value for m in app.markdown)


def test_layer_toggles_change_the_legend(app):
    app.checkbox(key="show_redline").check().run()
    app.sidebar.radio(key="raster_layer").set_value("landcover").run()
    assert not app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "生态保护红线" in text and "裸地" in text


def test_map_loads_nothing_from_the_internet():
    """Every layer on one map: no http(s) script or stylesheet anywhere."""
    from layers.catalog import load_catalog
    from layers.io import read_raster, read_vector

    m = mapview.new_map()
    for info in load_catalog().values():
        if info.kind == "raster":
            mapview.add_overlay(m, mapview.raster_overlay(read_raster(info.path),
                                                          layer_id=info.id), name=info.id)
        else:
            gdf = read_vector(info.path, layer=info.layer)
            simplify, fields = mapview.VECTOR_DISPLAY[info.id]
            mapview.add_vector(m, mapview.vector_geojson(gdf, simplify_deg=simplify,
                                                         columns=fields),
                               name=info.id, color="#000", geometry_kind=mapview.geometry_kind(gdf),
                               tooltip_fields=fields)
    assert mapview.remote_assets(m) == []
    html = m.get_root().render()
    assert "/app/static/leaflet/leaflet.js" in html
    assert "cdn.jsdelivr" not in html and "tile.openstreetmap" not in html
