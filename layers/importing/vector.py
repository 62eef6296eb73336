"""Read vector files (Shapefile, GeoPackage, GeoJSON, KML) and check their features."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from layers.errors import CRSError, DataFileError
from layers.importing.points import _read_csv
from layers.importing.region import COVERAGE_PROJ4, Region, _no_overlap
from layers.importing.repair import _shapefile_encoding, crs_label
from layers.importing.roles import _GEOM_ZH, _LINE, _POINT, _POLY, RoleSpec
from layers.importing.sniff import FORMAT_NAMES, _sidecar

#: CRS of imported vectors (as the bundled vectors).
STORED_VECTOR_CRS = "EPSG:4326"


def _fix_columns(gdf, notes: list[str]):
    """Rename columns a GeoPackage cannot hold (``fid``, duplicates ignoring case)."""
    seen, renames = set(), {}
    for column in gdf.columns:
        if column == gdf.geometry.name:
            continue
        new = str(column)
        while new.lower() in seen or new.lower() == "fid":
            new = f"{new}_1"
        seen.add(new.lower())
        if new != column:
            renames[column] = new
    if renames:
        notes.append("renamed columns " + ", ".join(f"{a!r}→{b!r}" for a, b in renames.items()))
        gdf = gdf.rename(columns=renames)
    return gdf


#: Columns the LIBKML driver adds to every layer: text ones are dropped when
#: empty, display settings when they hold one value for all (the default).
KML_TEXT_FIELDS = ("id", "Name", "description", "snippet")
KML_DISPLAY_FIELDS = ("timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
                      "visibility", "drawOrder", "icon")


def _drop_empty_kml_fields(gdf):
    drop = [c for c in KML_TEXT_FIELDS if c in gdf.columns and gdf[c].isna().all()]
    drop += [c for c in KML_DISPLAY_FIELDS if c in gdf.columns and gdf[c].nunique() <= 1]
    return gdf.drop(columns=drop)


def _vector_layers(path: Path) -> list[str]:
    import pyogrio

    layers = pyogrio.list_layers(path)
    return [str(name) for name, geometry_type in layers if geometry_type is not None]


def _pick_layer(path: Path, fmt: str, label: str, layer: str | None) -> list[str]:
    names = _vector_layers(path)
    if not names:
        raise DataFileError(f"{label} holds no layer with geometries; export the features "
                            "again, with their geometry",
                            zh=f"{label} 中没有带几何图形的图层；请连同几何图形重新导出要素")
    if layer is not None:
        if layer not in names:
            raise DataFileError(f"{label} has no layer {layer!r}; its layers: "
                                f"{', '.join(names)}",
                                zh=f"{label} 中没有图层 {layer!r}；其图层：{', '.join(names)}")
        return [layer]
    if len(names) > 1 and fmt != "kml":
        raise DataFileError(f"{label} holds {len(names)} layers: {', '.join(names)}; say "
                            f"which one with --layer NAME (e.g. --layer {names[0]})",
                            zh=f"{label} 含有 {len(names)} 个图层：{', '.join(names)}；请用 "
                               f"--layer NAME 指定一个（如 --layer {names[0]}）")
    return names

def _read_shapefile(path: Path, label: str, encoding: str | None, crs, notes: list[str]):
    import pyogrio

    missing = [ext for ext in (".dbf", ".shx") if _sidecar(path, ext) is None]
    if missing:
        raise DataFileError(f"{label} has no {' or '.join(path.stem + e for e in missing)} "
                            "beside it; a Shapefile needs its .shp, .shx and .dbf (and .prj "
                            "for the CRS): upload them together or as one .zip",
                            zh=f"{label} 旁边没有 {' 或 '.join(path.stem + e for e in missing)}；"
                               "Shapefile 需要 .shp、.shx 和 .dbf（坐标系还需 .prj）：请一起上传，"
                               "或打包为一个 .zip")
    used, note = _shapefile_encoding(path, label, encoding)
    if note:
        notes.append(note)
    read_as = "utf-8" if used == "ascii" else used
    gdf = pyogrio.read_dataframe(path, encoding=read_as)
    if gdf.crs is None and crs is None:
        no_prj = _sidecar(path, ".prj") is None
        problem = ("has no .prj file, so its coordinates have no coordinate reference system"
                   if no_prj else
                   "has a .prj that does not describe a coordinate reference system")
        problem_zh = "没有 .prj 文件，其坐标没有坐标系" if no_prj else \
            "的 .prj 没有描述坐标系"
        raise CRSError(f"{label} {problem}; add the .prj that came with it, or pass --crs "
                       "EPSG:4490 (CGCS2000 lon/lat) or the Gauss-Krüger EPSG code "
                       "(e.g. EPSG:4527)",
                       zh=f"{label} {problem_zh}；请补上随数据提供的 .prj，或传入 --crs "
                          "EPSG:4490（CGCS2000 经纬度）或高斯-克吕格投影的 EPSG 代码"
                          "（如 EPSG:4527）")
    return gdf, used



def _read_vector(path: Path, fmt: str, label: str, *, layer, encoding, crs, notes):
    """GeoDataFrame (source CRS, or None) and the text encoding of the source."""
    import pandas as pd
    import pyogrio

    if fmt == "csv":
        return _read_csv(path, label, encoding, crs, notes)
    if fmt == "shapefile":
        return _read_shapefile(path, label, encoding, crs, notes)
    if encoding:
        notes.append(f"--encoding ignored: {FORMAT_NAMES[fmt]} is UTF-8 by definition")
    names = _pick_layer(path, fmt, label, layer)
    frames = []
    for name in names:
        gdf = pyogrio.read_dataframe(path, layer=name)
        if fmt == "kml":
            gdf = _drop_empty_kml_fields(gdf)
            if len(names) > 1:
                gdf["kml_folder"] = name
        if len(gdf):
            frames.append(gdf)
    if len(names) > 1:
        notes.append(f"KML folders combined: {', '.join(names)} (column kml_folder)")
    if not frames:
        raise DataFileError(f"{label} has no features; export the layer again with its "
                            "features", zh=f"{label} 中没有要素；请连同要素重新导出该图层")
    gdf = frames[0] if len(frames) == 1 else \
        pd.concat(frames, ignore_index=True).set_crs(frames[0].crs, allow_override=True)
    return gdf, "utf-8"


# --- vector checks ----------------------------------------------------------------
_FAMILY = {"Point": _POINT, "MultiPoint": _POINT, "LineString": _LINE,
           "MultiLineString": _LINE, "LinearRing": _LINE, "Polygon": _POLY,
           "MultiPolygon": _POLY}


def _keep_families(geometry, families):
    """The parts of ``geometry`` of the wanted families (None if none)."""
    import shapely

    kind = geometry.geom_type
    if kind in _FAMILY:
        return geometry if _FAMILY[kind] in families else None
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in _FAMILY
             and _FAMILY[p.geom_type] in families and not p.is_empty]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return shapely.union_all(parts) if _POLY in families and \
        all(_FAMILY[p.geom_type] == _POLY for p in parts) else shapely.GeometryCollection(parts)


@dataclass
class VectorChecked:
    """A vector layer after CRS, geometry and region checks (EPSG:4326)."""

    gdf: object
    fixed: int
    dropped_empty: int
    dropped_other_type: int
    coverage: float
    bounds_wgs84: list[float]


def clean_vector(gdf, spec: RoleSpec, label: str, region: Region, *, crs=None,
                 notes: list[str]) -> VectorChecked:
    """Assign/override the CRS, drop empty geometries, repair invalid ones, keep the
    role's geometry types, reproject to EPSG:4326 and check the region overlap."""
    import geopandas as gpd
    import shapely

    if len(gdf) == 0:
        raise DataFileError(f"{label} has no features; export the layer again with its "
                            "features", zh=f"{label} 中没有要素；请连同要素重新导出该图层")
    if crs is not None:
        if gdf.crs is not None and not gdf.crs.equals(crs):
            notes.append(f"CRS {crs_label(gdf.crs)} of the file replaced by --crs "
                         f"{crs_label(crs)}")
        gdf = gdf.set_crs(crs, allow_override=True)
    if gdf.crs is None:
        raise CRSError(f"{label} has no coordinate reference system; pass --crs EPSG:4490 "
                       "(CGCS2000 lon/lat) or the right Gauss-Krüger EPSG code, or add the "
                       ".prj that came with it",
                       zh=f"{label} 没有坐标系；请传入 --crs EPSG:4490（CGCS2000 经纬度）或正确的"
                          "高斯-克吕格投影 EPSG 代码，或补上随数据提供的 .prj")
    source_crs = gdf.crs
    geoms = gdf.geometry.array
    empty = shapely.is_missing(np.asarray(geoms)) | shapely.is_empty(np.asarray(geoms))
    dropped_empty = int(empty.sum())
    if dropped_empty == len(gdf):
        raise DataFileError(f"{label} has {len(gdf)} features but none has a geometry (all "
                            "null or empty); export them again with their shapes",
                            zh=f"{label} 有 {len(gdf)} 个要素，但都没有几何图形（全部为空）；"
                               "请连同形状重新导出")
    gdf = gdf.loc[~empty].copy()
    gdf = gdf.set_geometry(gpd.GeoSeries(shapely.force_2d(np.asarray(gdf.geometry.array)),
                                         index=gdf.index, crs=source_crs))
    source_bounds = gdf.total_bounds
    wgs = gdf.to_crs(STORED_VECTOR_CRS)
    geoms = np.array(wgs.geometry.array, dtype=object)
    finite = np.isfinite(shapely.bounds(geoms)).all(axis=1)
    if not finite.any():
        raise _no_overlap(label, region, [math.nan] * 4, source_crs, source_bounds)
    invalid = ~shapely.is_valid(geoms) & finite
    fixed = int(invalid.sum())
    if fixed:
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    kept = [_keep_families(g, spec.geometries) if ok else None
            for g, ok in zip(geoms, finite, strict=True)]
    kept_mask = np.array([g is not None for g in kept])
    collapsed = int((invalid & ~kept_mask).sum()) + int((~finite).sum())
    other = int((~kept_mask).sum()) - collapsed
    if not kept_mask.any():
        found = sorted({g.geom_type for g in geoms if g is not None})
        raise DataFileError(f"{label}: role {spec.role!r} needs {' or '.join(spec.geometries)} "
                            f"geometries, but the file holds {', '.join(found) or 'none'}; "
                            "choose the role that fits or export the right layer",
                            zh=f"{label}：用途 {spec.role!r}（{spec.name_zh}）需要"
                               f"{'或'.join(_GEOM_ZH[g] for g in spec.geometries)}要素，但文件中是"
                               f"{'、'.join(_GEOM_ZH.get(g, g) for g in found) or '无'}；"
                               "请选择合适的用途，或导出正确的图层")
    wgs = wgs.loc[kept_mask].copy()
    wgs = wgs.set_geometry(gpd.GeoSeries([g for g in kept if g is not None], index=wgs.index,
                                         crs=STORED_VECTOR_CRS))
    if other:
        notes.append(f"{other} feature(s) of other geometry types dropped (role {spec.role!r} "
                     f"takes {' or '.join(spec.geometries)})")
    inside = shapely.intersects(np.asarray(wgs.geometry.array), region.geometry)
    bounds = [float(v) for v in wgs.total_bounds]
    if not inside.any():
        raise _no_overlap(label, region, bounds, source_crs, source_bounds)
    if not inside.all():
        notes.append(f"{int((~inside).sum())} of {len(wgs)} features lie outside "
                     f"{region.name}")
    hull = shapely.GeometryCollection(list(wgs.to_crs(COVERAGE_PROJ4).geometry)).convex_hull
    coverage = float(shapely.intersection(hull, region.albers).area / 1e6 / region.area_km2)
    return VectorChecked(gdf=wgs, fixed=fixed, dropped_empty=dropped_empty + collapsed,
                         dropped_other_type=other, coverage=min(1.0, coverage),
                         bounds_wgs84=bounds)



