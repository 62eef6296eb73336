"""Briefing snapshots: PNG/PDF/PPTX with Chinese text from the pip-installed CJK font."""
from __future__ import annotations

import io
import math
import time
import warnings
import zipfile
from datetime import date

import numpy as np
import pytest
from shapely.geometry import Polygon, box

from siting.errors import SitingError
from siting.grid import ALBERS_CRS
from siting.outputs import briefing
from siting.outputs.briefing.drawing import _overlaps
from tests.test_export import boundaries, make_result

BRIEFING_DATE = date(2030, 1, 2)
#: issue 5 limits
MIN_PNG_WIDTH_PX = 2400
MAX_PDF_BYTES = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def snapshots():
    """PNG, PDF and PPTX of the hand-made result, rendered once, glyph warnings recorded."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = briefing.render_all(make_result(), briefing.SNAPSHOT_FORMATS, date=BRIEFING_DATE,
                                  **boundaries())
    return out, [str(w.message) for w in caught]


def test_the_cjk_font_comes_from_pip():
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = briefing.cjk_font_path()
    assert "mplfonts" in str(path) and path.name == briefing.CJK_FONT_FILE
    family = briefing.cjk_font_family()
    assert family == "Noto Sans CJK SC"
    found = font_manager.findfont(font_manager.FontProperties(family=family),
                                  fallback_to_default=False)
    assert "CJK" in found
    font = FT2Font(found)
    assert all(font.get_char_index(ord(c)) for c in "内蒙古鄂尔多斯市锡林郭勒盟审图号")


def test_no_glyph_is_missing(snapshots):
    _, messages = snapshots
    assert not [m for m in messages if "missing from font" in m]


def test_png_is_300_dpi_and_wide_enough(snapshots):
    from PIL import Image

    data = snapshots[0]["png"]
    with Image.open(io.BytesIO(data)) as image:
        assert image.width >= MIN_PNG_WIDTH_PX
        assert image.width / image.height == pytest.approx(16 / 9, rel=0.01)
        assert image.info["dpi"] == pytest.approx((300, 300), abs=0.5)
        pixels = np.asarray(image.convert("RGB"))
    # the map is drawn: the score colours (YlOrRd reds) appear, not just white
    red = (pixels[..., 0] > 150) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
    assert red.sum() > 1000


def test_pdf_embeds_the_cjk_font_and_stays_small(snapshots):
    data = snapshots[0]["pdf"]
    assert data.startswith(b"%PDF")
    assert len(data) <= MAX_PDF_BYTES
    assert b"NotoSansCJKsc-Regular" in data  # embedded (subset) font name
    assert b"DejaVu" not in data  # nothing fell back to a Latin-only font


def test_pptx_is_16_9_with_a_picture_and_a_native_table(snapshots):
    from pptx import Presentation
    from pptx.util import Inches

    data = snapshots[0]["pptx"]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert any(n.startswith("ppt/media/") and n.endswith(".png") for n in zf.namelist())
        assert b"<a:tbl>" in zf.read("ppt/slides/slide1.xml")
    deck = Presentation(io.BytesIO(data))
    assert (deck.slide_width, deck.slide_height) == (Inches(13.333), Inches(7.5))
    shapes = list(deck.slides[0].shapes)
    assert any(s.shape_type == 13 for s in shapes)  # picture
    tables = [s.table for s in shapes if s.has_table]
    assert len(tables) == 1
    table = tables[0]
    expected = briefing.briefing_table(make_result())
    assert len(table.rows) == len(expected) + 1
    assert table.cell(0, 0).text == "基地" and table.cell(1, 0).text == "B001"
    assert table.cell(1, 1).text == "鄂尔多斯市"
    text = " ".join(s.text_frame.text for s in shapes if s.has_text_frame)
    assert "审图号" in text and "生态保护红线" in text and "2030-01-02" in text


def test_summary_table_rows_and_totals():
    table = briefing.briefing_table(make_result())
    assert list(table.columns) == ["基地", "主要盟市", "并网点", "土地类型", "容量 GW",
                                   "年发电 TWh", "评分"]
    assert table.iloc[0].tolist() == ["B001", "鄂尔多斯市", "", "沙漠戈壁", "2.7", "4.5", "90"]
    assert table.iloc[-2].tolist()[:1] + table.iloc[-2].tolist()[4:6] == ["基地合计", "2.7",
                                                                           "4.5"]
    assert table.iloc[-1].tolist()[:2] + table.iloc[-1].tolist()[4:6] == ["入选合计", "4 地块",
                                                                           "3.4", "5.8"]


def test_summary_table_sums_the_bases_beyond_the_top():
    result = make_result()
    many = result.bases.loc[[0, 0, 0]].reset_index(drop=True)
    many["base_id"] = ["B001", "B002", "B003"]
    result.bases = many
    table = briefing.briefing_table(result, top=1)
    assert table["基地"].tolist() == ["B001", "其余 2 个", "基地合计", "入选合计"]
    assert table.iloc[1]["容量 GW"] == "5.4"


def test_target_and_provenance_lines():
    result = make_result()
    assert briefing.target_line(result).startswith("入选合计 3.4 GW = 2030年目标 200 GW 的 2%")
    line = briefing.provenance_line(result)
    assert "生态保护红线" in line and "年水平面总辐射" not in line and "审图号" in line


def test_north_points_up_on_the_central_meridian_and_tilts_away_from_it():
    from pyproj import Transformer

    to_map = Transformer.from_crs("EPSG:4326", ALBERS_CRS, always_xy=True)
    assert briefing.north_angle(*to_map.transform(111.0, 45.0)) == pytest.approx(math.pi / 2)
    # meridians converge northwards: east of 111°E north leans left (west), and vice versa
    assert briefing.north_angle(*to_map.transform(121.0, 45.0)) > math.pi / 2 + 0.05
    assert briefing.north_angle(*to_map.transform(101.0, 45.0)) < math.pi / 2 - 0.05


@pytest.mark.parametrize("target, expected", [(436_000, 200_000), (99, 50), (1_000, 1_000),
                                              (1_999, 1_000), (2_000, 2_000)])
def test_nice_scale_bar_lengths(target, expected):
    assert briefing.nice_length(target) == expected


def test_labels_do_not_overlap():
    anchors = [(0.0, 0.0), (0.0, 0.0), (0.5, 0.0)]
    sizes = [(2.0, 1.0)] * 3
    centres = briefing.place_labels(anchors, sizes, obstacles=[(9, 9, 10, 10)])
    assert centres[0] == (0.0, 0.0)
    boxes = [(x - 1, y - 0.5, x + 1, y + 0.5) for x, y in centres]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not _overlaps(boxes[i], [boxes[j]])


def test_polygons_with_holes_keep_them():
    from matplotlib.collections import PathCollection, PolyCollection

    ring = Polygon(box(0, 0, 10, 10).exterior.coords, [box(4, 4, 6, 6).exterior.coords])
    artists = briefing.polygon_artists([box(20, 0, 30, 10), ring], [1.0, 2.0])
    kinds = sorted(type(a).__name__ for a in artists)
    assert kinds == ["PathCollection", "PolyCollection"]
    simple = next(a for a in artists if isinstance(a, PolyCollection))
    assert simple.get_array().tolist() == [1.0]
    assert next(a for a in artists if isinstance(a, PathCollection)).get_array().tolist() == [2.0]


def test_a_hole_is_drawn_empty():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ring = Polygon(box(0, 0, 10, 10).exterior.coords, [box(4, 4, 6, 6).exterior.coords])
    fig = Figure(figsize=(1, 1), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    ax.axis("off")
    for artist in briefing.polygon_artists([ring], facecolor="black"):
        ax.add_collection(artist)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())
    assert pixels[50, 50, :3].tolist() == [255, 255, 255]  # the hole (5, 5)
    assert pixels[80, 20, :3].tolist() == [0, 0, 0]  # the ring (2, 2)


def test_unknown_snapshot_format():
    with pytest.raises(SitingError, match="unknown snapshot format 'gif'"):
        briefing.render(make_result(), "gif", **boundaries())


def test_write_briefing_writes_the_files(tmp_path):
    paths = briefing.write_briefing(make_result(), tmp_path, formats=("png",),
                                    date=BRIEFING_DATE, **boundaries())
    assert [p.name for p in paths] == ["briefing.png"]
    assert paths[0].read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
@pytest.mark.full_region
def test_full_region_briefing_within_limits(default_prepared, bundled_inputs):
    """The whole default run: PNG + PDF within size limits (time is in benchmarks/)."""
    from siting import pipeline
    from siting import scenario as sc

    scenario = sc.from_dict({"tech": "solar"})
    # pipeline.run = prepare + evaluate: the session's prepared full region
    result = pipeline.evaluate(default_prepared, scenario, provenance=bundled_inputs.provenance,
                               connections=pipeline.connection_points(bundled_inputs, scenario))
    start = time.perf_counter()
    out = briefing.render_all(result, ("png", "pdf"), date=BRIEFING_DATE, **boundaries())
    seconds = time.perf_counter() - start
    assert len(out["pdf"]) <= MAX_PDF_BYTES
    from PIL import Image

    with Image.open(io.BytesIO(out["png"])) as image:
        assert image.width >= MIN_PNG_WIDTH_PX
    # generous: the 10 s target is checked by benchmarks/briefing.py on a quiet machine
    assert seconds < 60


def test_policy_line_gives_the_groups_and_the_encouraged_land():
    result = make_result()
    line = briefing.policy_line(result)
    # four shortlisted parcels, 3.4 GW, all in the west (Ordos and Alxa)
    assert line.startswith("西部 3.4 GW · 中部 0.0 GW · 东部 0.0 GW；")
    assert "沙漠戈壁 0%" in line  # the test parcels carry no flags
    assert briefing.policy_line(result, units="wan").startswith("西部 340 万千瓦")
