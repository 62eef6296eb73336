"""Tables and text files of a run: provenance (text and table), metadata, the
fields table, the shortlist CSV and ``summary.json``."""
from __future__ import annotations

import json
from typing import Literal

import numpy as np

from siting import clock
from siting import fields as fl
from siting.errors import SitingError
from siting.outputs.crs import LONLAT_CRS, LONLAT_DECIMALS
from siting.outputs.text import (
    disclaimer,
    generated_at,
    headline,
    json_default,
    neutralise_table,
    synthetic_layers,
)


def provenance_text(result, *, crs=None, encoding: str | None = None,
                    notice: dict | None = None) -> str:
    """``provenance.txt``: scenario, headline numbers, every layer's provenance, disclaimer
    (``notice``: the data's disclaimer texts, see ``siting.outputs.text``)."""
    s = result.summary
    lines = ["内蒙古新能源基地选址 导出说明 / Inner Mongolia siting export",
             f"生成时间 generated: {clock.display_time_bilingual(generated_at())}",
             f"情景 scenario: {result.scenario.name} ({result.scenario.tech}); "
             "full settings in scenario.yaml (rerun: python -m siting run --scenario "
             "scenario.yaml)"]
    if s:
        lines.append(f"结果 result: {s.get('n_shortlist', len(result.shortlist))} shortlisted "
                     f"parcels, {s.get('n_bases', len(result.bases))} bases, "
                     f"{s.get('capacity_gw', 0):.1f} GW, {s.get('energy_twh', 0):.1f} TWh/yr "
                     f"= {s.get('share_of_target', 0):.0%} of the {s.get('target_gw', 0):g} GW "
                     "target")
    if crs is not None:
        lines.append(f"坐标系 CRS: {crs.to_string()} {crs.name}")
    if encoding:
        lines.append(f"属性编码 attribute encoding: {encoding.upper()}")
    lines += ["", "数据来源 data provenance (real = measured data; synthetic = generated "
              "illustration, replace before any decision):"]
    for layer_id, p in result.provenance.items():
        lines.append(f"- [{p.get('type', '?')}] {layer_id} {p.get('name_zh', '')} / "
                     f"{p.get('name_en', '')}: {p.get('source', '')}; licence: "
                     f"{p.get('licence', '')}")
        if p.get("method"):
            lines.append(f"    method: {p['method']}")
    synthetic = synthetic_layers(result)
    lines += ["", "合成图层 synthetic layers: " + (", ".join(synthetic) or "none"),
              disclaimer("zh", notice), disclaimer("en", notice)]
    return "\n".join(lines) + "\n"


def metadata(result, notice: dict | None = None) -> dict:
    """Plain-JSON metadata of a result: scenario, headline numbers, provenance, fields."""
    return {"title": "内蒙古新能源基地选址 / Inner Mongolia new-energy base siting",
            "generated": generated_at(),
            "summary": headline(result),
            "scenario": result.scenario.model_dump(mode="json"),
            "provenance": result.provenance,
            "synthetic_layers": synthetic_layers(result),
            "disclaimer_zh": disclaimer("zh", notice),
            "disclaimer_en": disclaimer("en", notice)}


def provenance_table(result, notice: dict | None = None):
    """Non-spatial table: one row per layer with its provenance, plus the scenario."""
    import pandas as pd

    from siting import scenario as sc

    rows = [{"item": layer_id, "name_zh": p.get("name_zh", ""), "name_en": p.get("name_en", ""),
             "type": p.get("type", ""), "source": p.get("source", ""),
             "licence": p.get("licence", ""), "method": p.get("method", "")}
            for layer_id, p in result.provenance.items()]
    rows.append({"item": "scenario", "name_zh": "情景", "name_en": "scenario", "type": "yaml",
                 "source": "", "licence": "", "method": sc.dumps(result.scenario)})
    rows.append({"item": "disclaimer", "name_zh": "声明", "name_en": "disclaimer", "type": "text",
                 "source": "", "licence": "",
                 "method": f"{disclaimer('zh', notice)} {disclaimer('en', notice)}"})
    return pd.DataFrame(rows)


def fields_csv(layers: dict) -> bytes:
    """The field table (``siting.fields``) of ``{layer name: GeoDataFrame}`` as CSV."""
    import pandas as pd

    table = pd.concat([fl.fields_table(list(gdf.columns), layer=name)
                       for name, gdf in layers.items()], ignore_index=True)
    return table.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")

def centroid_lonlat(gdf) -> tuple[np.ndarray, np.ndarray]:
    """Centroid lon/lat (WGS84) of each row, the centroid taken in the data's own CRS."""
    points = gdf.geometry.centroid.to_crs(LONLAT_CRS)
    return (np.round(points.x.to_numpy(), LONLAT_DECIMALS),
            np.round(points.y.to_numpy(), LONLAT_DECIMALS))


#: Header styles of the CSV: engine column names, or Chinese / English labels with units.
CsvHeader = Literal["code", "zh", "en"]
CSV_HEADERS: tuple[str, ...] = ("code", "zh", "en")
#: With ``units='wan'`` and code headers, the unit part of a scaled column's name changes
#: (``cap_mw`` -> ``cap_wkw``: 万千瓦; ``energy_gwh`` -> ``energy_ykwh``: 亿千瓦时).
_WAN_CODE_SUFFIXES = {"_mw": "_wkw", "_gwh": "_ykwh"}


def _wan_code(column: str) -> str:
    for old, new in _WAN_CODE_SUFFIXES.items():
        if column.endswith(old):
            return column[: -len(old)] + new
    return column


def csv_table(result, *, units: str = "gw", header: CsvHeader = "code"):
    """The shortlist table of the CSV: centroid lon/lat, values in ``units``, headers.

    Parameters
    ----------
    units : {'gw', 'wan'}
        'gw' keeps capacity in MW and energy in GWh/yr (the GW/TWh family);
        'wan' gives capacity in 万千瓦 (MW / 10) and energy in 亿千瓦时/年 (GWh / 100).
    header : {'code', 'zh', 'en'}
        Engine column names (machine-readable; with 'wan' the scaled columns
        are renamed, e.g. ``cap_wkw``), or the labels of ``siting.fields`` with
        their units, e.g. ``装机容量 (万千瓦)``.
    """
    from siting.units import check_units

    check_units(units)
    if header not in CSV_HEADERS:
        raise SitingError(f"CSV header {header!r} is not one of {', '.join(CSV_HEADERS)}",
                          zh=f"CSV 表头 {header!r} 不在 {', '.join(CSV_HEADERS)} 之中")
    table = result.shortlist.drop(columns="geometry")
    lon, lat = centroid_lonlat(result.shortlist)
    at = min(3, len(table.columns))  # after parcel_id, league, banner
    table.insert(at, "lon", lon)
    table.insert(at + 1, "lat", lat)
    for column in table.columns:
        scale = fl.display_scale(column, units) if column in fl.FIELDS_BY_NAME else 1.0
        if scale != 1.0:
            table[column] = table[column] * scale
    if header == "code":
        names = {c: _wan_code(c) for c in table.columns} if units == "wan" else {}
    else:
        names = {c: fl.label(c, header, units=units) for c in table.columns
                 if c in fl.FIELDS_BY_NAME}
    return table.rename(columns=names)


def csv_bytes(result, *, units: str = "gw", header: CsvHeader = "code") -> bytes:
    """The shortlist as CSV, UTF-8 with BOM (Excel shows Chinese), with centroid lon/lat.

    ``units`` and ``header`` as in ``csv_table``. CSV has no place for
    metadata that Excel leaves alone, so the CLI writes ``provenance.txt``
    and ``scenario.yaml`` beside it.
    """
    table = neutralise_table(csv_table(result, units=units, header=header))
    return table.to_csv(index=False, lineterminator="\r\n",
                        float_format="%.10g").encode("utf-8-sig")



def summary_json(result) -> bytes:
    """``summary.json``: headline numbers, per-league totals, provenance."""
    doc = dict(result.summary)
    doc["provenance"] = {k: {"type": v.get("type"), "source": v.get("source")}
                         for k, v in result.provenance.items()}
    return (json.dumps(doc, ensure_ascii=False, indent=2, default=json_default)
            + "\n").encode("utf-8")
