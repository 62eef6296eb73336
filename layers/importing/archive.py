"""Stage an upload in a temporary folder and unpack zips/KMZs safely (``layers.safezip``)."""
from __future__ import annotations

from pathlib import Path, PurePosixPath

from layers import safezip
from layers.errors import DataFileError, LayerError, UnsafeFileError
from layers.importing.limits import MAX_UPLOAD_ENV, Limits
from layers.importing.reading import reading
from layers.importing.sniff import (
    FORMAT_NAMES,
    FORMATS,
    SHAPEFILE_SIDECARS,
    ZIP_EXTENSIONS,
    _sidecar,
    check_format,
)

#: Longest upload file name accepted, characters (file systems allow 255 bytes).
MAX_FILENAME_CHARS = 200


def _shown(name: str, limit: int = 60) -> str:
    text = repr(str(name)[:limit * 2])
    return text if len(text) <= limit else f"{text[:limit]}…' ({len(str(name)):,} characters)"


def _what_zh(what: str) -> str:
    return {"file name": "文件名", "sidecar name": "附属文件名"}.get(what, what)


def _safe_basename(name: str, what: str = "file name") -> str:
    base = PurePosixPath(str(name).replace("\\", "/")).name
    if not base or base in (".", "..") or "\x00" in base:
        raise UnsafeFileError(f"{what} {_shown(name)} is not a usable file name",
                              zh=f"{_what_zh(what)} {_shown(name)} 不是可用的文件名")
    if len(base) > MAX_FILENAME_CHARS or len(base.encode("utf-8")) > 250 or \
            not base.isprintable():
        raise UnsafeFileError(f"{what} {_shown(base)} is longer than {MAX_FILENAME_CHARS} "
                              "characters or holds control characters; rename the file",
                              zh=f"{_what_zh(what)} {_shown(base)} 超过 {MAX_FILENAME_CHARS} "
                                 "个字符或含有控制字符；请重命名该文件")
    return base


def _stage(source, filename, sidecars, folder: Path, limits: Limits) -> tuple[Path, str]:
    """The file to import (path) and the name shown in messages.

    Bytes are written into ``folder``; a path is used where it is, after its
    size (with Shapefile sidecars) is checked against the upload limit.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        if not filename:
            raise LayerError("importing bytes needs the upload's filename (e.g. 'wind.tif')",
                              zh="导入字节数据需要上传文件的文件名（如 'wind.tif'）")
        files = {_safe_basename(filename): bytes(source)}
        for name, data in (sidecars or {}).items():
            base = _safe_basename(name, "sidecar name")
            if Path(base).suffix.lower() not in SHAPEFILE_SIDECARS:
                raise UnsafeFileError(f"sidecar {name!r} is not a Shapefile sidecar "
                                      f"({', '.join(SHAPEFILE_SIDECARS)})",
                                      zh=f"附属文件 {name!r} 不是 Shapefile 的附属文件"
                                         f"（{', '.join(SHAPEFILE_SIDECARS)}）")
            files[base] = bytes(data)
        label = _safe_basename(filename)
        total = sum(len(d) for d in files.values())
        _check_upload_size(label, total, limits)
        folder.mkdir(parents=True)
        for base, data in files.items():
            (folder / base).write_bytes(data)
        return folder / label, label
    if sidecars:
        raise LayerError("sidecars are only for uploads given as bytes",
                          zh="附属文件（sidecars）只用于以字节形式提供的上传")
    path = Path(source).expanduser()
    label = path.name
    if not path.exists():
        raise DataFileError(f"{path} not found; check the path",
                            zh=f"找不到 {path}；请检查路径")
    if path.is_dir():
        raise DataFileError(f"{path} is a folder; pass the file itself (.shp, .tif, .gpkg, "
                            ".geojson, .kml/.kmz, .csv) or a .zip of a Shapefile",
                            zh=f"{path} 是一个文件夹；请给出文件本身（.shp、.tif、.gpkg、.geojson、"
                               ".kml/.kmz、.csv）或 Shapefile 的 .zip 压缩包")
    total = path.stat().st_size
    if path.suffix.lower() == ".shp":
        total += sum(p.stat().st_size for ext in SHAPEFILE_SIDECARS
                     if (p := _sidecar(path, ext)) is not None)
    _check_upload_size(label, total, limits)
    return path, label


def _check_upload_size(label: str, total: int, limits: Limits):
    if total > limits.max_upload_bytes:
        raise UnsafeFileError(f"{label} is {safezip.human_size(total)}, more than the upload "
                              f"limit of {safezip.human_size(limits.max_upload_bytes)}; clip it "
                              "to the region first (rasters: gdalwarp -te 97 37 127 54; "
                              "vectors: ogr2ogr -spat 97 37 127 54) or raise the limit "
                              f"(--max-upload-mb, ${MAX_UPLOAD_ENV})",
                              zh=f"{label} 大小为 {safezip.human_size(total)}，超过上传上限 "
                                 f"{safezip.human_size(limits.max_upload_bytes)}；请先裁剪到研究区"
                                 "（栅格：gdalwarp -te 97 37 127 54；矢量：ogr2ogr -spat 97 37 127 "
                                 f"54），或提高上限（--max-upload-mb、${MAX_UPLOAD_ENV}）")


def _primary_files(files) -> list[Path]:
    primary = {ext for ext, fmt in FORMATS.items() if fmt not in ("zip", "kmz")}
    return [f for f in files if f.suffix.lower() in primary]


def _unpack(path: Path, fmt: str, label: str, folder: Path, layer: str | None,
            limits: Limits, notes: list[str]) -> tuple[Path, str, str, str | None]:
    """For a zip/KMZ: the dataset inside (path, format, label); else the input itself.

    Returns the layer still to pick inside the dataset (``None`` once
    ``layer`` chose a zip member).
    """
    if fmt not in ("zip", "kmz"):
        return path, fmt, label, layer
    extensions = {".kml"} if fmt == "kmz" else ZIP_EXTENSIONS
    folder.mkdir(parents=True)
    with reading(label, FORMAT_NAMES[fmt]):
        extracted = safezip.extract(path, folder, extensions=extensions, label=label,
                                    max_bytes=limits.max_unzipped_bytes,
                                    max_members=limits.max_zip_members)
    datasets = _primary_files(extracted.files)
    shown = [str(p.relative_to(folder)) for p in datasets]
    if fmt == "kmz":
        if not datasets:
            raise DataFileError(f"{label} holds no .kml document; export the KMZ again",
                                zh=f"{label} 中没有 .kml 文档；请重新导出 KMZ")
        main = next((p for p in datasets if p.name.lower() == "doc.kml"), datasets[0])
        return main, "kml", f"{label}/{main.relative_to(folder)}", layer
    if not datasets:
        members = ", ".join(extracted.skipped[:10]) or "nothing"
        raise DataFileError(f"{label} holds no layer file (found: {members}); expected a "
                            ".shp with .shx/.dbf/.prj, or one .tif, .gpkg, .geojson, .kml or "
                            ".csv", zh=f"{label} 中没有图层文件（找到：{members}）；应为带 "
                                      ".shx/.dbf/.prj 的 .shp，或一个 .tif、.gpkg、.geojson、"
                                      ".kml 或 .csv")
    if len(datasets) > 1:
        chosen = [p for p, s in zip(datasets, shown, strict=True)
                  if layer in (s, p.name, p.stem)]
        if len(chosen) != 1:
            raise DataFileError(f"{label} holds {len(datasets)} layer files: "
                                f"{', '.join(shown)}; say which with --layer NAME (e.g. "
                                f"--layer {datasets[0].stem})",
                                zh=f"{label} 含有 {len(datasets)} 个图层文件：{', '.join(shown)}；"
                                   f"请用 --layer NAME 指定一个（如 --layer {datasets[0].stem}）")
        datasets, layer = chosen, None
    dataset = datasets[0]
    inner_label = f"{label}/{dataset.relative_to(folder)}"
    return dataset, check_format(dataset, inner_label), inner_label, layer


