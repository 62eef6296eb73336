"""Check a GeoTIFF (size, georeferencing, units, coverage) and write it as float32."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from layers import safezip
from layers.errors import CRSError, DataFileError, UnsafeFileError
from layers.importing.limits import BLOCK_CELLS, Limits
from layers.importing.region import Region, _no_overlap
from layers.importing.repair import crs_label
from layers.importing.roles import RoleSpec, choose_units

#: Long side of the reduced raster used to measure coverage, cells.
COVERAGE_SAMPLE_PX = 2048
#: Nodata value of imported GeoTIFFs (as the bundled rasters).
NODATA = -9999.0


def _row_windows(height: int, width: int):
    from rasterio.windows import Window

    rows = max(1, BLOCK_CELLS // max(width, 1))
    for top in range(0, height, rows):
        yield Window(0, top, width, min(rows, height - top))


def _valid_values(src, window):
    """Band 1's valid cells in ``window`` as float64: ``_masked(src, window=window)
    .compressed()`` without the masked-array copies (the same mask: GDAL's mask band,
    then NaN and infinities)."""
    data = src.read(1, window=window)
    valid = src.read_masks(1, window=window) != 0
    if data.dtype.kind in "fc":
        valid &= np.isfinite(data)
    return data[valid].astype("float64")


def _masked(src, **kwargs):
    data = src.read(1, masked=True, **kwargs).astype("float64")
    return np.ma.masked_invalid(data)


def raster_coverage(valid, transform, crs, region: Region) -> float:
    """Share of the region's sample points that fall on valid cells of a raster.

    ``valid`` is a boolean array on ``transform`` (which may be a reduced read).
    """
    from pyproj import Transformer

    to_raster = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xs, ys = to_raster.transform(region.sample_lon, region.sample_lat, errcheck=False)
    cols, rows = ~transform @ (np.asarray(xs), np.asarray(ys))
    ok = np.isfinite(cols) & np.isfinite(rows)
    cols = np.floor(np.where(ok, cols, -1)).astype(np.int64)
    rows = np.floor(np.where(ok, rows, -1)).astype(np.int64)
    ok &= (cols >= 0) & (rows >= 0) & (cols < valid.shape[1]) & (rows < valid.shape[0])
    hits = np.zeros(len(cols), dtype=bool)
    hits[ok] = valid[rows[ok], cols[ok]]
    return float(hits.mean()) if len(hits) else 0.0


def _bounds_wgs84(crs, bounds) -> list[float]:
    """[minlon, minlat, maxlon, maxlat] of ``bounds`` in ``crs`` (NaN if they do not transform)."""
    from pyproj import Transformer
    from pyproj.exceptions import ProjError

    try:
        to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        out = to_wgs84.transform_bounds(*bounds, densify_pts=21, errcheck=True)
    except ProjError:
        return [math.nan] * 4
    return [float(v) if math.isfinite(v) else math.nan for v in out]


@dataclass
class RasterChecked:
    """Facts about a checked raster: ``factor`` brings its values into the role's units."""

    width: int
    height: int
    crs: object
    coverage: float
    bounds_wgs84: list[float]
    value_range: list[float]
    nodata_share: float
    factor: float = 1.0
    nodata: float | None = None


def _open_geotiff(path: Path):
    import warnings

    import rasterio
    from rasterio.errors import NotGeoreferencedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        return rasterio.open(path, driver="GTiff")


def check_raster_header(src, label: str, limits: Limits) -> None:
    """Refuse a raster by its header alone, before any cell is read.

    Width × height, the longest side (a row is read at once) and the
    uncompressed size of one internal strip or tile (GDAL holds a whole block)
    are all bounded, so a tiny file declaring a 1 × 590,000,000 row is refused
    without allocating it.

    Raises
    ------
    UnsafeFileError
    """
    fix = "clip it to the region or coarsen it (gdalwarp -te 97 37 127 54 -tr …)"
    fix_zh = "请裁剪到研究区或降低分辨率（gdalwarp -te 97 37 127 54 -tr …）"
    width, height = int(src.width), int(src.height)
    if width * height > limits.max_raster_cells:
        raise UnsafeFileError(f"{label} has {width} × {height} cells, more than the limit of "
                              f"{limits.max_raster_cells:,}; {fix}",
                              zh=f"{label} 有 {width} × {height} 个像元，超过 "
                                 f"{limits.max_raster_cells:,} 的上限；{fix_zh}")
    if max(width, height) > limits.max_raster_side:
        raise UnsafeFileError(f"{label} has {width} × {height} cells: a side longer than the "
                              f"limit of {limits.max_raster_side:,} cells; {fix}",
                              zh=f"{label} 有 {width} × {height} 个像元：一边长于 "
                                 f"{limits.max_raster_side:,} 个像元的上限；{fix_zh}")
    itemsize = max(np.dtype(dtype).itemsize for dtype in src.dtypes)
    block_rows, block_cols = src.block_shapes[0]
    block_bytes = int(block_rows) * int(block_cols) * itemsize * (
        src.count if src.interleaving is not None and src.interleaving.name == "PIXEL" else 1)
    if block_bytes > limits.max_raster_block_bytes:
        raise UnsafeFileError(f"{label} stores its cells in blocks of {block_cols} × "
                              f"{block_rows} ({safezip.human_size(block_bytes)} each), more "
                              f"than the limit of "
                              f"{safezip.human_size(limits.max_raster_block_bytes)}; write it "
                              "again tiled (gdal_translate -co TILED=YES IN.tif OUT.tif)",
                              zh=f"{label} 以 {block_cols} × {block_rows} 的块存储像元（每块 "
                                 f"{safezip.human_size(block_bytes)}），超过 "
                                 f"{safezip.human_size(limits.max_raster_block_bytes)} 的上限；"
                                 "请以分块方式重新写出"
                                 "（gdal_translate -co TILED=YES IN.tif OUT.tif）")


def check_raster(path: Path, spec: RoleSpec, label: str, region: Region, *, crs=None,
                 limits: Limits, notes: list[str]) -> RasterChecked:
    """Check a GeoTIFF for ``spec`` without writing anything.

    Size, georeferencing and CRS, then every block is read once (a truncated
    file fails here), the value range is matched to the role's units
    (``choose_units``) and the valid cells must overlap ``region``.
    """
    from affine import Affine
    from pyproj import CRS
    from rasterio.enums import Resampling

    with _open_geotiff(path) as src:
        check_raster_header(src, label, limits)
        if src.transform.is_identity and not src.gcps[0]:
            raise DataFileError(f"{label} has no georeferencing (no geotransform): it is a "
                                "picture, not a map; export it again as a GeoTIFF with its "
                                "coordinates",
                                zh=f"{label} 没有地理参考（没有地理变换参数）：它是一张图片，"
                                   "不是地图；请连同坐标重新导出为 GeoTIFF")
        if src.count > 1:
            notes.append(f"{src.count} bands: band 1 imported")
        file_crs = CRS.from_user_input(src.crs) if src.crs else None
        if crs is not None and file_crs is not None and not file_crs.equals(crs):
            notes.append(f"CRS {crs_label(file_crs)} of the file replaced by --crs "
                         f"{crs_label(crs)}")
        crs = crs or file_crs
        if crs is None:
            raise CRSError(f"{label} has no coordinate reference system; pass --crs EPSG:4490 "
                           "(CGCS2000) or the CRS it was made in, or assign one with "
                           "`gdal_edit.py -a_srs EPSG:4490 FILE`",
                           zh=f"{label} 没有坐标系；请传入 --crs EPSG:4490（CGCS2000）或其制作时"
                              "所用的坐标系，或用 `gdal_edit.py -a_srs EPSG:4490 FILE` 指定一个")
        source_bounds = tuple(src.bounds)
        bounds = _bounds_wgs84(crs, source_bounds)

        vmin, vmax, total, count = math.inf, -math.inf, 0.0, 0
        for window in _row_windows(src.height, src.width):
            values = _valid_values(src, window)
            if values.size:
                vmin, vmax = min(vmin, values.min()), max(vmax, values.max())
                total += float(values.sum())
                count += values.size
        if count == 0:
            raise DataFileError(f"{label} holds only nodata; check its nodata value "
                                f"({src.nodata}) or export it again",
                                zh=f"{label} 中全是无数据值（nodata）；请检查其 nodata 值"
                                   f"（{src.nodata}）或重新导出")
        factor, note = choose_units(spec, total / count, vmin, vmax, label)
        if note:
            notes.append(note)

        scale = max(src.width, src.height) / COVERAGE_SAMPLE_PX
        if scale > 1:
            shape = (max(1, round(src.height / scale)), max(1, round(src.width / scale)))
            sample = _masked(src, out_shape=shape, resampling=Resampling.nearest)
            sample_transform = src.transform @ Affine.scale(src.width / shape[1],
                                                            src.height / shape[0])
        else:
            sample, sample_transform = _masked(src), src.transform
        coverage = raster_coverage(~np.ma.getmaskarray(sample), sample_transform, crs, region)
        if coverage == 0:
            raise _no_overlap(label, region, bounds, crs, source_bounds)
        return RasterChecked(width=src.width, height=src.height, crs=crs, coverage=coverage,
                             bounds_wgs84=bounds,
                             value_range=[round(float(vmin) * factor, 6),
                                          round(float(vmax) * factor, 6)],
                             nodata_share=round(1 - count / (src.width * src.height), 6),
                             factor=factor, nodata=src.nodata)


def import_raster(path: Path, spec: RoleSpec, label: str, region: Region, out_path: Path, *,
                  crs=None, limits: Limits, notes: list[str]) -> RasterChecked:
    """Check a GeoTIFF for ``spec`` (``check_raster``) and write it as float32 GeoTIFF
    to ``out_path``.

    Nodata (the file's nodata value, its mask and NaN) is kept as nodata;
    values are converted to the role's units when recognised (see
    ``choose_units``). Processes blocks of rows, so memory stays bounded.
    """
    checked = check_raster(path, spec, label, region, crs=crs, limits=limits, notes=notes)
    _write_raster(path, checked, spec, label, out_path)
    return checked


def _write_raster(path: Path, checked: RasterChecked, spec: RoleSpec, label: str,
                  out_path: Path) -> None:
    import rasterio

    with _open_geotiff(path) as src:
        profile = {"driver": "GTiff", "dtype": "float32", "count": 1, "width": src.width,
                   "height": src.height, "crs": checked.crs, "transform": src.transform,
                   "nodata": NODATA, "compress": "deflate"}
        if src.width >= 512 and src.height >= 512:
            profile.update(tiled=True, blockxsize=256, blockysize=256)
        with rasterio.open(out_path, "w", **profile) as dst:
            for window in _row_windows(src.height, src.width):
                block = _masked(src, window=window) * checked.factor
                dst.write(block.filled(NODATA).astype("float32"), 1, window=window)
            dst.update_tags(1, units=spec.units)
            dst.update_tags(source=label, role=spec.role)


