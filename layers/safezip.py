"""Unpack user zip files (zipped Shapefiles, KMZ) without trusting them.

Every member is checked before anything is written: no absolute paths, no
``..``, no links or devices, no encryption, a bounded member count and a
bounded uncompressed total read from the central directory. Since a
directory can lie, extraction streams each member through a byte counter and
stops at the same limit. Only members with an expected extension are
extracted; the rest are skipped and reported.
"""
from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from layers.errors import UnsafeFileError

#: Uncompressed total allowed out of one zip, bytes (issue 6: 2 GiB).
MAX_UNZIPPED_BYTES = 2 * 1024**3
#: Members allowed in one zip (a Shapefile has ≤ 10 sidecars; KMZ a few icons).
MAX_MEMBERS = 1000
#: Members above this size must not expand more than ``MAX_RATIO`` times (a
#: Shapefile's .dbf compresses ~10-50×; a bomb 1,000× or more).
MAX_RATIO = 1000
RATIO_CHECK_MIN_BYTES = 1024**2
#: Bytes read per step while extracting.
CHUNK_BYTES = 1024**2
#: Folders and files that archivers add and nobody means to import.
JUNK_PREFIXES = ("__MACOSX/",)
JUNK_NAME_PREFIXES = ("._",)


@dataclass(frozen=True)
class Extracted:
    """What came out of a zip: kept files (absolute paths) and skipped member names."""

    files: tuple[Path, ...]
    skipped: tuple[str, ...]
    total_bytes: int


def human_size(n_bytes: float) -> str:
    """``1536`` → ``'1.5 KiB'``: sizes in messages."""
    if n_bytes < 1024:
        return f"{n_bytes:.0f} bytes"
    for unit in ("KiB", "MiB", "GiB"):
        n_bytes /= 1024
        if n_bytes < 1024 or unit == "GiB":
            break
    return f"{n_bytes:.1f} {unit}"


def member_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a member must not be extracted (absolute path, '..', link, …), or None."""
    name = info.filename
    if "\x00" in name:
        return "has a NUL byte in its name"
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        return "has an absolute path"
    if ".." in PurePosixPath(unified).parts:
        return "climbs out of the folder with '..'"
    mode = info.external_attr >> 16
    # Unix type bits; many writers store permissions only (type 0 = regular file)
    if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
        return f"is {kind}"
    if info.flag_bits & 0x1:
        return "is encrypted"
    return None


#: ``member_problem``'s reasons in Chinese, for the app's Chinese page.
PROBLEMS_ZH = {
    "has a NUL byte in its name": "的名称中含有 NUL 字节",
    "has an absolute path": "使用了绝对路径",
    "climbs out of the folder with '..'": "用 '..' 跳出了所在文件夹",
    "is a symbolic link": "是符号链接",
    "is not a regular file": "不是普通文件",
    "is encrypted": "已加密",
}


def is_junk(name: str) -> bool:
    """macOS resource forks and similar archiver litter."""
    unified = name.replace("\\", "/")
    return unified.startswith(JUNK_PREFIXES) or \
        PurePosixPath(unified).name.startswith(JUNK_NAME_PREFIXES)


def check_directory(archive: zipfile.ZipFile, label: str, *,
                    max_bytes: int = MAX_UNZIPPED_BYTES, max_members: int = MAX_MEMBERS,
                    max_ratio: float = MAX_RATIO) -> int:
    """Refuse a zip from its central directory; returns the declared uncompressed total.

    Raises
    ------
    UnsafeFileError
        A member with an unsafe path or type, too many members, a declared
        total above ``max_bytes`` or a member expanding more than ``max_ratio``.
    """
    infos = archive.infolist()
    if len(infos) > max_members:
        raise UnsafeFileError(f"{label} holds {len(infos)} files, more than the {max_members} "
                              "allowed; zip only the layer's own files",
                              zh=f"{label} 含有 {len(infos)} 个文件，超过允许的 {max_members} 个；"
                                 "请只压缩该图层自身的文件")
    seen = set()
    total = 0
    for info in infos:
        problem = member_problem(info)
        if problem:
            raise UnsafeFileError(f"{label}: member {info.filename!r} {problem}; refused for "
                                  "safety. Re-create the zip with plain relative file names",
                                  zh=f"{label}：成员 {info.filename!r} "
                                     f"{PROBLEMS_ZH.get(problem, problem)}；为安全起见已拒绝。"
                                     "请用普通的相对文件名重新打包 zip")
        key = info.filename.replace("\\", "/").lower()
        if key in seen:
            raise UnsafeFileError(f"{label}: member {info.filename!r} appears twice; refused "
                                  "(one would overwrite the other)",
                                  zh=f"{label}：成员 {info.filename!r} 出现了两次；已拒绝"
                                     "（一个会覆盖另一个）")
        seen.add(key)
        total += info.file_size
        if info.file_size > RATIO_CHECK_MIN_BYTES and \
                info.file_size > max_ratio * max(info.compress_size, 1):
            raise UnsafeFileError(f"{label}: member {info.filename!r} expands "
                                  f"{info.file_size / max(info.compress_size, 1):.0f}× "
                                  f"(limit {max_ratio:g}×); refused as a likely zip bomb",
                                  zh=f"{label}：成员 {info.filename!r} 解压后膨胀 "
                                     f"{info.file_size / max(info.compress_size, 1):.0f} 倍"
                                     f"（上限 {max_ratio:g} 倍）；疑似 zip 炸弹，已拒绝")
    if total > max_bytes:
        raise UnsafeFileError(f"{label} would unpack to {human_size(total)}, more than the "
                              f"limit of {human_size(max_bytes)}; refused (zip bomb guard). "
                              "Split the data or raise the limit",
                              zh=f"{label} 解压后将有 {human_size(total)}，超过 "
                                 f"{human_size(max_bytes)} 的上限；已拒绝（防范 zip 炸弹）。"
                                 "请拆分数据或提高上限")
    return total


def _stream_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path,
                   written_before: int, max_bytes: int, label: str) -> int:
    written = written_before
    with archive.open(info) as src, open(target, "xb") as dst:
        while chunk := src.read(CHUNK_BYTES):
            written += len(chunk)
            if written > max_bytes:
                raise UnsafeFileError(f"{label} unpacks to more than the limit of "
                                      f"{human_size(max_bytes)} although its directory "
                                      "declares less; refused (zip bomb guard)",
                                      zh=f"{label} 解压后超过 {human_size(max_bytes)} 的上限，"
                                         "尽管其目录声明的更小；已拒绝（防范 zip 炸弹）")
            dst.write(chunk)
    return written


def extract(zip_path, dest, *, extensions, label: str | None = None,
            max_bytes: int = MAX_UNZIPPED_BYTES, max_members: int = MAX_MEMBERS,
            max_ratio: float = MAX_RATIO) -> Extracted:
    """Extract the members of ``zip_path`` whose extension is in ``extensions``.

    Parameters
    ----------
    zip_path : path-like
        The zip (or KMZ) file.
    dest : path-like
        An existing, empty folder; members keep their relative folders below it.
    extensions : collection of str
        Lower-case extensions with the dot (``{".shp", ".dbf"}``); others are skipped.
    label : str, optional
        The file name shown in messages (the user's name, not a temp path).
    max_bytes : int
        Uncompressed total allowed, checked from the directory and while writing.

    Raises
    ------
    UnsafeFileError
        See ``check_directory``; also when the data outgrow ``max_bytes``.
    DataFileError
        The file is not a readable zip (raised by the caller's wrapper as
        ``zipfile.BadZipFile``).
    """
    zip_path, dest = Path(zip_path), Path(dest).resolve()
    label = label or zip_path.name
    extensions = {e.lower() for e in extensions}
    kept, skipped = [], []
    written = 0
    with zipfile.ZipFile(zip_path) as archive:
        check_directory(archive, label, max_bytes=max_bytes, max_members=max_members,
                        max_ratio=max_ratio)
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = info.filename.replace("\\", "/")
            if is_junk(name) or PurePosixPath(name).suffix.lower() not in extensions:
                skipped.append(info.filename)
                continue
            target = (dest / name).resolve()
            if dest not in target.parents:  # defence in depth after member_problem
                raise UnsafeFileError(f"{label}: member {info.filename!r} points outside "
                                      "the folder; refused",
                                      zh=f"{label}：成员 {info.filename!r} 指向文件夹之外；已拒绝")
            target.parent.mkdir(parents=True, exist_ok=True)
            written = _stream_member(archive, info, target, written, max_bytes, label)
            kept.append(target)
    return Extracted(files=tuple(kept), skipped=tuple(skipped), total_bytes=written)
