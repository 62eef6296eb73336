"""Every check of ``import`` on a file, without storing anything (``check_layer_file``)."""
from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from layers.errors import DataFileError
from layers.importing.archive import _stage, _unpack
from layers.importing.limits import Limits, default_limits
from layers.importing.raster import NODATA, RasterChecked, check_raster
from layers.importing.reading import reading
from layers.importing.region import Region, default_region
from layers.importing.roles import RoleSpec, keep_role_columns, role_spec
from layers.importing.sniff import FORMAT_NAMES, FORMAT_NAMES_ZH, RASTER_FORMATS, check_format
from layers.importing.vector import VectorChecked, _read_vector, clean_vector


def _noop(fraction, message):
    return None


@dataclass
class CheckedLayer:
    """A user's layer file after the import checks; nothing is stored.

    Attributes
    ----------
    role, kind, format : str
        Import role, ``"raster"`` or ``"vector"``, detected format.
    label : str
        The file's name as shown in messages (``archive.zip/member.shp`` inside a zip).
    path : Path
        The dataset that was checked (a zip member lives only during the check).
    crs : pyproj.CRS
        CRS of the data as read (vectors are stored in EPSG:4326 in ``vector.gdf``).
    notes : list of str
        What was fixed or assumed, for the user.
    encoding : str or None
        Attribute text encoding of a vector source.
    raster, vector : RasterChecked or VectorChecked
        The facts of the check (one of the two, by ``kind``).
    """

    role: str
    kind: str
    format: str
    label: str
    path: Path
    crs: object
    notes: list[str]
    encoding: str | None = None
    raster: RasterChecked | None = None
    vector: VectorChecked | None = None

    @property
    def gdf(self):
        """The checked features (EPSG:4326) of a vector layer."""
        return self.vector.gdf if self.vector is not None else None


def _check_dataset(path: Path, fmt: str, label: str, spec: RoleSpec, *, crs, encoding, layer,
                   limits: Limits, region: Region | None, unzip_dir: Path,
                   progress: Callable = _noop) -> CheckedLayer:
    """Every check of ``import`` on a staged file: unpack, kind, then raster or vector."""
    notes: list[str] = []
    path, fmt, label, layer = _unpack(path, fmt, label, unzip_dir, layer, limits, notes)
    kind = "raster" if fmt in RASTER_FORMATS else "vector"
    if kind != spec.kind:
        wanted = ("a GeoTIFF" if spec.kind == "raster" else
                  "vector data (Shapefile, GeoPackage, GeoJSON, KML/KMZ or CSV)")
        raise DataFileError(f"{label} is {FORMAT_NAMES[fmt]}, but role {spec.role!r} "
                            f"({spec.name_en}) needs {wanted}",
                            zh=f"{label} 是 {FORMAT_NAMES_ZH[fmt]}，但用途 {spec.role!r}"
                               f"（{spec.name_zh}）需要"
                               f"{'栅格' if spec.kind == 'raster' else '矢量'}数据（{wanted}）")
    region = region or default_region()
    progress(0.2, "reading")
    if kind == "raster":
        with reading(label, "a GeoTIFF"):
            raster = check_raster(path, spec, label, region, crs=crs, limits=limits,
                                  notes=notes)
        return CheckedLayer(role=spec.role, kind=kind, format=fmt, label=label, path=path,
                            crs=raster.crs, notes=notes, raster=raster)
    with reading(label, FORMAT_NAMES[fmt]):
        gdf, used_encoding = _read_vector(path, fmt, label, layer=layer, encoding=encoding,
                                          crs=crs, notes=notes)
        source_crs = crs or gdf.crs
        progress(0.5, "checking geometries")
        vector = clean_vector(gdf, spec, label, region, crs=crs, notes=notes)
    vector.gdf = keep_role_columns(vector.gdf, spec, label, notes)
    return CheckedLayer(role=spec.role, kind=kind, format=fmt, label=label, path=path,
                        crs=source_crs, notes=notes, encoding=used_encoding, vector=vector)


def _stored_unchanged(path: Path, role: str) -> dict | None:
    """The import summary of a raster ``import`` stored, if the file is provably unchanged.

    ``import`` records the stored file's size and modification time (ns) in
    ``ID.json`` beside it; any difference, another role or a missing record
    means the file must be checked again.
    """
    meta = path.with_suffix(".json")
    if path.suffix.lower() != ".tif" or not meta.is_file():
        return None
    try:
        summary = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    stat = path.stat()
    same = (summary.get("role") == role and summary.get("path") == str(path)
            and summary.get("file_size") == stat.st_size
            and summary.get("file_mtime_ns") == stat.st_mtime_ns)
    return summary if same else None


def check_layer_file(path, role: str, *, limits: Limits | None = None,
                     region: Region | None = None) -> CheckedLayer:
    """Check a user's layer file as ``import`` does, without storing anything.

    The run calls this for every user file it reads (``--layer ID=PATH``,
    ``scenario.layers``, ``parcels_file``). Rasters are read block by block
    once (range, truncation) and never rewritten, so their values must
    already be in the role's units: a file ``import`` would convert (e.g. GHI
    in kWh/m² per day) is refused with the import command that converts it.
    A raster stored by ``import`` and provably unchanged since (size and
    modification time in its summary) is not scanned again.

    Parameters
    ----------
    path : path-like
        The file (GeoTIFF; vector formats as ``import_file``).
    role : str
        One of ``IMPORT_ROLES``.
    limits : Limits, optional
        Size guards (default ``default_limits()``).
    region : Region, optional
        Area the layer must overlap (default: Inner Mongolia).

    Returns
    -------
    CheckedLayer

    Raises
    ------
    LayerError
        (``DataFileError``, ``CRSError``, ``UnsafeFileError``) naming the file,
        what is wrong and the fix.
    """
    from pyproj import CRS

    spec = role_spec(role)
    limits = limits or default_limits()
    path = Path(path).expanduser()
    stored = _stored_unchanged(path, role) if path.exists() else None
    if stored is not None:
        raster = RasterChecked(width=stored["width"], height=stored["height"],
                               crs=CRS.from_user_input(stored["stored_crs"]),
                               coverage=stored["coverage"], bounds_wgs84=stored["bounds_wgs84"],
                               value_range=stored["value_range"],
                               nodata_share=stored["nodata_share"], nodata=NODATA)
        return CheckedLayer(role=role, kind="raster", format="geotiff", label=path.name,
                            path=path, crs=raster.crs, notes=["stored by import, unchanged "
                                                              "since: not scanned again"],
                            raster=raster)
    with tempfile.TemporaryDirectory(prefix="im-siting-check-") as tmp:
        tmp = Path(tmp)
        staged, label = _stage(path, None, None, tmp / "upload", limits)
        fmt = check_format(staged, label)
        checked = _check_dataset(staged, fmt, label, spec, crs=None, encoding=None, layer=None,
                                 limits=limits, region=region, unzip_dir=tmp / "unzipped")
    if checked.kind == "raster":
        fix = (f"run `python -m siting import {path} --role {role}` and use the file it "
               "stores (the command prints it)")
        fix_zh = (f"运行 `python -m siting import {path} --role {role}`，并使用它保存的文件"
                  "（命令会打印其路径）")
        if checked.path != staged:
            raise DataFileError(f"{checked.label}: a run reads a GeoTIFF where it lies, not "
                                f"inside a {fmt} archive; unzip it, or {fix}",
                                zh=f"{checked.label}：运行时直接读取原位置的 GeoTIFF，不读 "
                                   f"{FORMAT_NAMES_ZH.get(fmt, fmt)}中的文件；请解压，或{fix_zh}")
        if checked.raster.factor != 1.0:
            raise DataFileError(f"{label}: {'; '.join(checked.notes)}, but a run reads the file "
                                f"as it is and needs {spec.units}; {fix}, which converts it",
                                zh=f"{label}：数值需换算单位（× {checked.raster.factor:.4g}）才是 "
                                   f"{spec.units}，但运行时按原样读取文件；请{fix_zh}，"
                                   "导入时会完成换算")
    else:
        gdf = checked.gdf
        missing = [c for c in spec.run_columns if c not in gdf.columns]
        if missing:
            columns = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
            raise DataFileError(f"{checked.label} has no column {', '.join(map(repr, missing))}, "
                                f"which a run reads from {spec.name_en}; its columns: "
                                f"{columns or 'none'}; add or rename the column",
                                zh=f"{checked.label} 没有 {', '.join(map(repr, missing))} 列，"
                                   f"运行时要从{spec.name_zh}中读取它；其列为：{columns or '无'}；"
                                   "请添加该列或重命名")
    return checked


