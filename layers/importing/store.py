"""Land a checked layer in the workspace: ``import_file``, ``import_upload``."""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from layers import workspace
from layers.errors import DataFileError, LayerError, WorkspaceError
from layers.importing.archive import _stage
from layers.importing.check import _check_dataset, _noop
from layers.importing.limits import Limits, default_limits
from layers.importing.raster import _write_raster
from layers.importing.reading import reading
from layers.importing.region import Region
from layers.importing.repair import check_encoding, crs_label, parse_crs
from layers.importing.report import ImportSummary, _preview
from layers.importing.roles import role_spec
from layers.importing.sniff import FORMAT_NAMES, check_format
from layers.importing.vector import STORED_VECTOR_CRS, _fix_columns


def _land(out_path: Path, summary: ImportSummary, target_dir: Path) -> ImportSummary:
    """Move the finished file and its summary into the workspace, atomically each."""
    final = target_dir / f"{summary.id}{out_path.suffix}"
    summary.path = str(final)
    summary.replaced = any((target_dir / f"{summary.id}{ext}").exists()
                           for ext in (".gpkg", ".tif"))
    workspace.atomic_copy(out_path, final)
    stat = final.stat()
    summary.file_size, summary.file_mtime_ns = stat.st_size, stat.st_mtime_ns
    other = final.with_suffix(".tif" if final.suffix == ".gpkg" else ".gpkg")
    other.unlink(missing_ok=True)
    workspace.atomic_write_json(final.with_suffix(".json"), {
        **summary.to_dict(),
        "provenance": {"type": "user", "source": summary.source, "licence": "as supplied by "
                       "the user", "method": f"imported as {summary.role} on "
                       f"{summary.imported_at}"}})
    return summary


def import_file(source, role: str, *, filename: str | None = None,
                sidecars: Mapping[str, bytes] | None = None, name: str | None = None,
                crs=None, encoding: str | None = None, layer: str | None = None,
                workspace_dir=None, limits: Limits | None = None, region: Region | None = None,
                progress: Callable = _noop, replace: bool = False) -> ImportSummary:
    """Check a user's layer file and store it in the workspace.

    Parameters
    ----------
    source : path-like or bytes
        The file (GeoTIFF, zipped or loose Shapefile, GeoPackage, GeoJSON,
        KML/KMZ, CSV with lon/lat columns), or an upload's bytes.
    role : str
        One of ``IMPORT_ROLES`` (e.g. ``"wind_speed_100m"``, ``"redline"``).
    filename : str, optional
        The upload's file name; required with bytes (its extension picks the format).
    sidecars : mapping, optional
        ``{name: bytes}`` of a loose Shapefile upload's .shx/.dbf/.prj/.cpg.
    name : str, optional
        Display name; the layer id is made from it (default: the role).
    crs : str or pyproj.CRS, optional
        The CRS the coordinates are in, when the file has none or a wrong one.
    encoding : str, optional
        Attribute text encoding of a Shapefile/CSV (default: .cpg or detected).
    layer : str, optional
        Layer of a multi-layer GeoPackage/KML, or the file inside a zip holding several.
    workspace_dir : path-like, optional
        Workspace folder (default ``$SITING_WORKSPACE`` or ``~/.im-siting``).
    limits : Limits, optional
        Size guards (default ``default_limits()``).
    region : Region, optional
        Area for overlap and coverage (default: Inner Mongolia).
    progress : callable, optional
        ``progress(fraction 0-1, message)``.
    replace : bool
        Replace a layer already imported under the same id (the role, or
        ``name``); without it that is an error (the app asks, the CLI needs
        ``--replace``). The old layer stays until the new one is complete.

    Returns
    -------
    ImportSummary

    Raises
    ------
    LayerError
        (``DataFileError``, ``CRSError``, ``UnsafeFileError``): the message names
        the file, what is wrong and the fix; nothing is written to the workspace.
    """
    try:
        spec = role_spec(role)
        target_crs = parse_crs(crs) if crs is not None else None
        encoding = check_encoding(encoding)
        layer_id = workspace.slugify(name or role, what="--name")
    except LayerError as exc:
        shown = filename or (Path(source).name if isinstance(source, str | os.PathLike) else "")
        raise exc.prefixed(f"importing {shown or 'the upload'}",
                           f"导入 {shown or '上传的文件'}") from None
    limits = limits or default_limits()
    target_dir = workspace.layers_dir(workspace_dir)
    existing = already_imported(layer_id, workspace_dir)
    if existing is not None and not replace:
        raise LayerExistsError(f"a layer {layer_id!r} is already imported "
                               f"({existing.get('role', '?')}, from "
                               f"{existing.get('source', '?')}, "
                               f"{existing.get('imported_at', '')}); "
                               "pass --replace to replace it, or --name to keep both",
                               zh=f"图层 {layer_id!r} 已导入过（{existing.get('role', '?')}，来自 "
                                  f"{existing.get('source', '?')}，"
                                  f"{existing.get('imported_at', '')}）；传入 --replace 可替换它，"
                                  "或用 --name 另起名称以同时保留")
    with tempfile.TemporaryDirectory(prefix="im-siting-import-") as tmp:
        tmp = Path(tmp)
        progress(0.0, "checking the file")
        path, label = _stage(source, filename, sidecars, tmp / "upload", limits)
        fmt = check_format(path, label)
        checked = _check_dataset(path, fmt, label, spec, crs=target_crs, encoding=encoding,
                                 layer=layer, limits=limits, region=region,
                                 unzip_dir=tmp / "unzipped", progress=progress)
        out_dir = tmp / "out"
        out_dir.mkdir()
        common = dict(id=layer_id, name=name or checked.label, role=role, kind=checked.kind,
                      source=checked.label, format=checked.format,
                      imported_at=datetime.now(UTC).isoformat(timespec="seconds"))
        if checked.kind == "raster":
            out_path = out_dir / f"{layer_id}.tif"
            raster = checked.raster
            with reading(checked.label, "a GeoTIFF"):
                _write_raster(checked.path, raster, spec, checked.label, out_path)
            summary = ImportSummary(
                **common, path="", crs=crs_label(raster.crs), stored_crs=crs_label(raster.crs),
                bounds_wgs84=[round(v, 6) for v in raster.bounds_wgs84],
                coverage=round(raster.coverage, 4), width=raster.width,
                height=raster.height, units=spec.units, value_range=raster.value_range,
                nodata_share=raster.nodata_share, notes=checked.notes)
        else:
            import pyogrio

            vector = checked.vector
            with reading(checked.label, FORMAT_NAMES[checked.format]):
                out_gdf = _fix_columns(vector.gdf, checked.notes)
                out_path = out_dir / f"{layer_id}.gpkg"
                progress(0.8, "writing")
                pyogrio.write_dataframe(out_gdf, out_path, layer=layer_id, driver="GPKG")
            columns = [str(c) for c in out_gdf.columns if c != out_gdf.geometry.name]
            summary = ImportSummary(
                **common, path="", crs=crs_label(checked.crs), stored_crs=STORED_VECTOR_CRS,
                bounds_wgs84=[round(v, 6) for v in vector.bounds_wgs84],
                coverage=round(vector.coverage, 4), features=len(out_gdf),
                geometry_types=sorted(set(out_gdf.geometry.geom_type)),
                fixed_geometries=vector.fixed, dropped_empty=vector.dropped_empty,
                dropped_other_type=vector.dropped_other_type, encoding=checked.encoding,
                columns=columns, preview=_preview(out_gdf), notes=checked.notes)
        progress(0.95, "saving to the workspace")
        _land(out_path, summary, target_dir)
    progress(1.0, "done")
    return summary


class LayerExistsError(WorkspaceError):
    """A layer of that id is already in the workspace and ``replace`` was not given."""


def already_imported(layer_id: str, workspace_dir=None) -> dict | None:
    """The stored summary of layer ``layer_id`` (``{}`` if only its file is there), or None."""
    folder = workspace.layers_dir(workspace_dir)
    if not any((folder / f"{layer_id}{ext}").exists() for ext in (".gpkg", ".tif")):
        return None
    try:
        return json.loads((folder / f"{layer_id}.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}


def import_upload(files: Mapping[str, bytes], role: str, **options) -> ImportSummary:
    """Import an upload of one file, or of a loose Shapefile's files (``{name: bytes}``).

    The app's upload panel calls this with what ``st.file_uploader(...,
    accept_multiple_files=True)`` returned; ``options`` are ``import_file``'s.
    """
    if not files:
        raise DataFileError("no file uploaded", zh="没有上传文件")
    if len(files) == 1:
        (filename, data), = files.items()
        return import_file(data, role, filename=filename, **options)
    shapefiles = [n for n in files if n.lower().endswith(".shp")]
    if len(shapefiles) != 1:
        raise DataFileError(f"{len(files)} files uploaded ({', '.join(files)}); upload one "
                            "layer file, or one .shp with its .shx/.dbf/.prj/.cpg",
                            zh=f"上传了 {len(files)} 个文件（{', '.join(files)}）；请上传一个图层"
                               "文件，或一个 .shp 及其 .shx/.dbf/.prj/.cpg")
    primary = shapefiles[0]
    return import_file(files[primary], role, filename=primary,
                       sidecars={n: d for n, d in files.items() if n != primary}, **options)


