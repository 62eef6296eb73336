"""KMZ: the bases and shortlisted parcels as KML placemarks coloured by score, with
the scenario and the provenance inside the zip."""
from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

import numpy as np

from siting import clock, colours
from siting import fields as fl
from siting.errors import SitingError
from siting.labels import tech_label
from siting.outputs.crs import LONLAT_DECIMALS
from siting.outputs.tables import provenance_text
from siting.outputs.text import disclaimer, generated_at, plain_text
from siting.outputs.vectors import round_lonlat

KML_NS = "http://www.opengis.net/kml/2.2"
#: Score bins of the KML styles (0-10, …, 90-100), coloured by the one score
#: ramp (``siting.colours``: red = low, dark green = high).
SCORE_BINS = colours.SCORE_CLASSES
#: Fill opacity of parcel polygons in KML (0-255).
KML_FILL_ALPHA = 0xB0
#: Outline colour of base polygons in KML (aabbggrr: opaque blue).
KML_BASE_LINE = "ffb35a1f"


def _kml_colour(rgba, alpha: int) -> str:
    r, g, b = (int(round(255 * c)) for c in rgba[:3])
    return f"{alpha:02x}{b:02x}{g:02x}{r:02x}"


def _sub(parent, tag: str, text=None, **attrib):
    element = ET.SubElement(parent, f"{{{KML_NS}}}{tag}", attrib)
    if text is not None:  # ElementTree escapes <, > and &; control characters go
        element.text = plain_text(text)
    return element


def _kml_styles(document):
    from matplotlib.colors import to_rgba

    for i, hex_colour in enumerate(colours.class_colours()):
        colour = to_rgba(hex_colour)
        for kind, line, width, alpha in (("p", "ff404040", 1, KML_FILL_ALPHA),
                                         ("b", KML_BASE_LINE, 3, 0x60)):
            style = _sub(document, "Style", id=f"{kind}{i}")
            line_style = _sub(style, "LineStyle")
            _sub(line_style, "color", line)
            _sub(line_style, "width", width)
            poly = _sub(style, "PolyStyle")
            _sub(poly, "color", _kml_colour(colour, alpha))


def _score_bin(score) -> int:
    return colours.score_class(score)


def _ring_text(coords) -> str:
    return " ".join(f"{x:.{LONLAT_DECIMALS}f},{y:.{LONLAT_DECIMALS}f}" for x, y, *_ in coords)


def _kml_geometry(parent, geom):
    polygons = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise SitingError(f"KMZ export takes polygon parcels, got {geom.geom_type}",
                          zh=f"KMZ 导出只接受面状地块，当前为 {geom.geom_type}")
    holder = _sub(parent, "MultiGeometry") if len(polygons) > 1 else parent
    for polygon in polygons:
        element = _sub(holder, "Polygon")
        _sub(element, "tessellate", 1)
        ring = _sub(_sub(element, "outerBoundaryIs"), "LinearRing")
        _sub(ring, "coordinates", _ring_text(polygon.exterior.coords))
        for interior in polygon.interiors:
            ring = _sub(_sub(element, "innerBoundaryIs"), "LinearRing")
            _sub(ring, "coordinates", _ring_text(interior.coords))


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, (float, np.floating)):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def _description(row, columns) -> str:
    """An HTML table of the key figures, Chinese labels first (escaped by ElementTree)."""
    from html import escape

    from siting.bases import LAND_TYPES

    cells = []
    for column in columns:
        if column not in row:
            continue
        value = row[column]
        if column == "land_type":
            value = "/".join(LAND_TYPES.get(value, (value, value)))
        cells.append(f"<tr><td>{escape(fl.label(column, 'zh'))}</td>"
                     f"<td>{escape(plain_text(_fmt(value)))}</td></tr>")
    return "<table>" + "".join(cells) + "</table>"


_PARCEL_FIGURES = ("score", "rank", "league", "banner", "land_type", "base_id", "cap_mw",
                   "energy_gwh", "flh", "lcoe", "lcoe_sto", "curt_frac", "avail_km2", "ghi_kwh",
                   "wind_hub", "turbine", "grid_km", "border_km", "synthetic")
_BASE_FIGURES = ("score", "leagues", "land_type", "n_parcels", "cap_mw", "energy_gwh", "flh",
                 "lcoe")


def _document_description(result, notice: dict | None = None) -> str:
    s = result.summary
    tech = result.scenario.tech
    parts = [f"情景 scenario: {result.scenario.name}; 技术 {tech_label(tech, 'zh')} ({tech})",
             f"入选地块 {s.get('n_shortlist', len(result.shortlist))} 个，候选基地 "
             f"{s.get('n_bases', len(result.bases))} 个；{s.get('capacity_gw', 0):.1f} GW，"
             f"{s.get('energy_twh', 0):.1f} TWh/年，为目标 {s.get('target_gw', 0):g} GW 的 "
             f"{s.get('share_of_target', 0):.0%}",
             "数据来源 provenance: " + "; ".join(f"{p.get('name_zh', k)} {p.get('type', '?')}"
                                                  for k, p in result.provenance.items()),
             disclaimer("zh", notice), disclaimer("en", notice),
             f"生成 generated {clock.display_time_bilingual(generated_at())}; "
             "scenario.yaml and provenance.txt are inside this KMZ"]
    from html import escape

    return "<br/>".join(escape(plain_text(part)) for part in parts)


def kml_text(result, notice: dict | None = None) -> str:
    """The KML document: one placemark per base and per shortlisted parcel, coloured by score."""
    ET.register_namespace("", KML_NS)
    kml = ET.Element(f"{{{KML_NS}}}kml")
    document = _sub(kml, "Document")
    _sub(document, "name", f"内蒙古新能源基地选址 {result.scenario.name}")
    _sub(document, "open", 1)
    _sub(document, "description", _document_description(result, notice))
    _kml_styles(document)

    bases = round_lonlat(result.bases)
    folder = _sub(document, "Folder")
    _sub(folder, "name", f"候选基地 candidate bases ({len(bases)})")
    for _, row in bases.iterrows():
        placemark = _sub(folder, "Placemark")
        _sub(placemark, "name", f"{row['base_id']} {row.get('league', '')} "
                                f"{row['cap_mw'] / 1000:.1f} GW")
        _sub(placemark, "description", _description(row, _BASE_FIGURES))
        _sub(placemark, "styleUrl", f"#b{_score_bin(row['score'])}")
        _kml_geometry(placemark, row.geometry)

    short = round_lonlat(result.shortlist)
    folder = _sub(document, "Folder")
    _sub(folder, "name", f"入选地块 shortlisted parcels ({len(short)})")
    for _, row in short.iterrows():
        placemark = _sub(folder, "Placemark")
        _sub(placemark, "name", f"{row['parcel_id']} {row.get('banner', '') or ''}".strip())
        _sub(placemark, "description", _description(row, _PARCEL_FIGURES))
        _sub(placemark, "styleUrl", f"#p{_score_bin(row['score'])}")
        _kml_geometry(placemark, row.geometry)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, encoding="unicode")


def kmz_bytes(result, notice: dict | None = None) -> bytes:
    """KMZ (zip) with ``doc.kml`` first, then ``scenario.yaml`` and ``provenance.txt``."""
    from siting import scenario as sc

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("doc.kml", kml_text(result, notice).encode("utf-8"))
        zf.writestr("scenario.yaml", sc.dumps(result.scenario).encode("utf-8"))
        zf.writestr("provenance.txt", provenance_text(result, notice=notice).encode("utf-8"))
    return buffer.getvalue()

