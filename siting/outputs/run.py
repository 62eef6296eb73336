"""The one entry to the outputs: ``render`` (one format as bytes, for a download)
and ``write_run`` (a run's whole set into a folder the caller stages)."""
from __future__ import annotations

from pathlib import Path

from siting import labels
from siting.errors import SitingError
from siting.outputs import formats as of
from siting.outputs.crs import DEFAULT_EXPORT_CRS, resolve_crs


def worded(result, lang: str = "zh"):
    """``result`` with the parcels' and the shortlist's ``why`` codes in words
    (``siting.labels``): the outputs' one call, at their edge."""
    import dataclasses

    return dataclasses.replace(result, parcels=labels.word_table(result.parcels, lang),
                               shortlist=labels.word_table(result.shortlist, lang))


def render(result, fmt: str, *, crs=DEFAULT_EXPORT_CRS, encoding: of.Encoding = "utf-8",
           units: str = "gw", header: str = "code", leagues=None, province=None,
           date=None, notice: dict | None = None) -> bytes:
    """One output of ``result`` as bytes; its file name and MIME type are
    ``formats.BY_ID[fmt]``.

    Parameters
    ----------
    fmt : str
        An id of ``formats.ALL``: gpkg, shp, geojson, csv, kmz, png, pdf, pptx, html.
    crs : str or pyproj.CRS
        GeoPackage and Shapefile CRS (default EPSG:4490; ``auto-gk``). GeoJSON,
        CSV lon/lat and KMZ are always WGS84.
    encoding : {'utf-8', 'gbk'}
        Shapefile attribute encoding.
    units : {'gw', 'wan'}
        CSV and snapshots: GW/TWh or 万千瓦/亿千瓦时.
    header : {'code', 'zh', 'en'}
        CSV header style (``tables.csv_table``).
    leagues, province : GeoDataFrame
        Snapshots only: the boundaries drawn (``siting.inputs.briefing_boundaries``);
        the offline map (html) draws ``leagues`` when given, in the language of ``header``.
    date : datetime.date, optional
        Snapshots only: the printed date (default today).
    notice : dict, optional
        The data's disclaimer texts ``{'zh', 'en'}`` (``siting.inputs.disclaimer_texts``).
    """
    from siting.outputs import kmz, tables, vectors

    result = worded(result, "en" if header == "en" else "zh")

    if fmt not in of.BY_ID:
        raise SitingError(f"unknown export format {fmt!r}; choose from {', '.join(of.BY_ID)}",
                          zh=f"未知导出格式 {fmt!r}；请从 {', '.join(of.BY_ID)} 中选择")
    if fmt == of.WEBMAP_FORMAT:
        from siting.outputs.webmap import render_webmap

        return render_webmap(result, lang="en" if header == "en" else "zh", boundaries=leagues,
                             units=units, notice=notice)
    if fmt in of.SNAPSHOT_FORMATS:
        from siting.outputs import briefing

        if leagues is None or province is None:
            raise SitingError("a briefing snapshot needs the leagues and province boundaries",
                              zh="简报快照需要盟市和自治区边界图层")
        return briefing.render(result, fmt, leagues=leagues, province=province, date=date,
                               units=units, notice=notice)
    if fmt == "gpkg":
        return vectors.gpkg_bytes(result, crs=crs, notice=notice)
    if fmt == "shp":
        return vectors.shapefile_zip_bytes(result, crs=crs, encoding=encoding, notice=notice)
    if fmt == "geojson":
        return vectors.geojson_bytes(result, notice)
    if fmt == "csv":
        return tables.csv_bytes(result, units=units, header=header)
    return kmz.kmz_bytes(result, notice)


def write_format(result, fmt: str, folder, *, crs=DEFAULT_EXPORT_CRS,
                 encoding: of.Encoding = "utf-8", notice: dict | None = None) -> Path:
    """Write one export into ``folder`` under its standard name (``formats.FILENAMES``)."""
    path = Path(folder) / of.FILENAMES[fmt]
    if fmt == "gpkg":
        from siting.outputs.vectors import write_gpkg

        return write_gpkg(result, path, crs=crs, notice=notice)
    path.write_bytes(render(result, fmt, crs=crs, encoding=encoding, notice=notice))
    return path


def write_summary(result, path) -> Path:
    """``summary.json``: headline numbers, per-league totals, provenance."""
    from siting.outputs.tables import summary_json

    Path(path).write_bytes(summary_json(result))
    return Path(path)


def write_run(result, folder, *, formats=("gpkg",), crs=DEFAULT_EXPORT_CRS,
              encoding: of.Encoding = "utf-8", snapshots=(), units: str = "gw",
              leagues=None, province=None, notice: dict | None = None) -> list[Path]:
    """The CLI's outputs, written into ``folder``: each of ``formats``, then
    summary.json, supply_curve.csv, provenance.txt, scenario.yaml, and the
    ``snapshots``: the briefing (png, pdf, pptx; they need ``leagues`` and
    ``province``) and the offline map (html; draws ``leagues`` when given).

    ``provenance.txt`` says what the data is (real/synthetic) for the formats
    that cannot hold it, the CSV above all. ``folder`` is a staging folder the
    caller swaps into place as a whole (``layers.workspace.staged_folder``), so
    files are written straight into it.
    """
    from siting import scenario as sc
    from siting import supply
    from siting.outputs.tables import provenance_text

    result = worded(result)
    crs = resolve_crs(crs, result)
    encoding = of.check_encoding(encoding)
    formats = of.parse_formats(",".join(formats))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [write_format(result, fmt, folder, crs=crs, encoding=encoding, notice=notice)
             for fmt in formats]
    paths.append(write_summary(result, folder / of.SUMMARY_FILE))
    curve = folder / of.SUPPLY_CURVE_FILE
    curve.write_bytes(supply.supply_curve_csv(supply.supply_curve(result.bases)))
    provenance = folder / of.PROVENANCE_FILE
    provenance.write_text(provenance_text(result, crs=crs, encoding=encoding, notice=notice),
                          encoding="utf-8")
    scenario = folder / of.SCENARIO_FILE
    scenario.write_text(sc.dumps(result.scenario), encoding="utf-8")
    paths += [curve, provenance, scenario]
    if of.WEBMAP_FORMAT in snapshots:
        from siting.outputs.webmap import render_webmap

        webmap = folder / of.FILENAMES[of.WEBMAP_FORMAT]
        webmap.write_bytes(render_webmap(result, boundaries=leagues, units=units, notice=notice))
        paths.append(webmap)
    snapshots = tuple(f for f in snapshots if f != of.WEBMAP_FORMAT)
    if snapshots:
        from siting.outputs.briefing import write_briefing

        if leagues is None or province is None:
            raise SitingError("briefing snapshots need the leagues and province boundaries",
                              zh="简报快照需要盟市和自治区边界图层")
        paths += write_briefing(result, folder, leagues=leagues, province=province,
                                formats=snapshots, units=units, notice=notice)
    return paths
