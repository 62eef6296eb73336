"""Look of the briefing: page size, resolution, colours, the shipped CJK font."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from siting.errors import SitingError
from siting.outputs.text import plain_text

#: Print resolution, dots per inch (issue 5: 300 dpi, PNG ≥ 2,400 px wide).
DPI = 300
#: Resolution of the map picture inside the PPTX slide (it fills ~8 in of a 13.3 in slide).
PPTX_DPI = 200
#: Page size, inches: 16:9, the size of a PowerPoint widescreen slide.
FIGSIZE_IN = (13.333, 7.5)
#: Cell size of the rasterised parcel scores, metres (a raster keeps the PDF small).
SCORE_RASTER_M = 1000.0
#: Tolerance for simplifying boundaries before drawing, metres (≈ 0.2 px at 300 dpi).
BOUNDARY_SIMPLIFY_M = 300.0
#: Bases listed in the summary table (the rest are summed in one row).
TOP_BASES = 8
#: Wider lon/lat box of the inset locator: (west, east, south, north), degrees.
INSET_BOX = (73.0, 135.0, 18.0, 54.0)
#: The CJK font shipped by mplfonts (SIL Open Font License).
CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
#: Colour of score-0 (excluded/unsuitable) parcels, of base outlines and labels.
EXCLUDED_COLOUR = "#d9d9d9"
BASE_COLOUR = "#1f5ab3"

#: zlib level of the PNG: 3 is ~30% faster than Pillow's default 6 for ~3% more bytes.
PNG_COMPRESS_LEVEL = 3


# --- fonts ------------------------------------------------------------------------------

def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font that ``mplfonts`` installs."""
    from importlib.util import find_spec

    # locate the package without importing it: only its font file is needed
    spec = find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise SitingError("the briefing needs the mplfonts package for Chinese text; "
                          "run `pip install -r requirements.txt`",
                          zh="简报需要 mplfonts 包来显示中文；请运行 "
                             "`pip install -r requirements.txt`")
    path = Path(list(spec.submodule_search_locations)[0]) / "fonts" / CJK_FONT_FILE
    if not path.exists():
        raise SitingError(f"mplfonts is installed but lacks {CJK_FONT_FILE}; reinstall it "
                          "with `pip install --force-reinstall mplfonts`",
                          zh=f"已安装 mplfonts，但缺少 {CJK_FONT_FILE}；请用 "
                             "`pip install --force-reinstall mplfonts` 重新安装")
    return path


@lru_cache(maxsize=1)
def cjk_font_family() -> str:
    """Register the shipped CJK font with matplotlib; returns its family name."""
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _rc() -> dict:
    return {"font.family": [cjk_font_family(), "DejaVu Sans"], "axes.unicode_minus": False,
            "pdf.fonttype": 42, "svg.fonttype": "none", "text.usetex": False}


def _literal_text(fig) -> None:
    """Draw every text of ``fig`` literally: no mathtext, so a '$…$' in a scenario or
    league name is printed, not parsed (a bad one would crash the render)."""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)
        text.set_text(plain_text(text.get_text()))


def _halo(width: float = 2.5):
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=width, foreground="white")]
