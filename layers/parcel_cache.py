"""On-disk store of prepared parcel tables: one GeoParquet file per key, under the
workspace, oldest-used entries dropped beyond a size limit.

The store knows nothing of what a key means (``siting.inputs.prepared_cache`` makes
them); it only reads, writes and evicts files. A damaged or unreadable entry
is treated as missing.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

#: Environment variable: the cache folder (else WORKSPACE/cache/prepared); "off"
#: disables the cache.
CACHE_DIR_ENV = "SITING_CACHE_DIR"
#: Environment variable: the store's size limit, MB.
CACHE_MB_ENV = "SITING_CACHE_MB"
#: Default size limit, MB: ~20 full-region tables at 1 km, ~4 at 250 m with 2.5 km parcels.
DEFAULT_CACHE_MB = 1024
SUFFIX = ".parquet"
#: Derived arrays of an entry (e.g. map geometry, a pixel index): ``KEY.NAME.npz``.
ARRAYS_SUFFIX = ".npz"
#: The npz member holding an arrays file's JSON metadata.
_META = "__meta__"


def cache_dir(override=None) -> Path | None:
    """The cache folder (not created), or None when ``$SITING_CACHE_DIR`` is ``off``."""
    from layers import workspace

    chosen = override or os.environ.get(CACHE_DIR_ENV)
    if chosen and str(chosen).strip().lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser().resolve()
    return workspace.workspace_dir() / "cache" / "prepared"


def size_limit_bytes() -> int:
    """The store's size limit from ``$SITING_CACHE_MB`` (default ``DEFAULT_CACHE_MB``)."""
    raw = os.environ.get(CACHE_MB_ENV, "")
    try:
        mb = float(raw) if raw.strip() else DEFAULT_CACHE_MB
    except ValueError:
        mb = DEFAULT_CACHE_MB
    return int(max(mb, 0) * 1024 * 1024)


def _path(folder: Path, key: str) -> Path:
    if not key.isalnum():
        raise ValueError(f"cache key must be alphanumeric, got {key!r}")
    return folder / f"{key}{SUFFIX}"


def _arrays_path(folder: Path, key: str, name: str) -> Path:
    if not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"arrays name must be alphanumeric (with - or _), got {name!r}")
    return _path(folder, key).with_name(f"{key}.{name}{ARRAYS_SUFFIX}")


def store_arrays(folder: Path, key: str, name: str, arrays: dict, metadata: dict, *,
                 limit_bytes: int | None = None) -> Path:
    """Write numeric ``arrays`` (name → ndarray, no Python objects) with JSON ``metadata``
    as ``KEY.NAME.npz`` (atomically), then evict as :func:`store` does."""
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    path = _arrays_path(folder, key, name)
    members = {k: np.asarray(v) for k, v in arrays.items()}
    if _META in members:
        raise ValueError(f"{_META!r} is reserved")
    members[_META] = np.frombuffer(json.dumps(metadata, sort_keys=True).encode(), dtype="uint8")
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        np.savez(handle, **members)
    os.replace(tmp, path)
    evict(folder, size_limit_bytes() if limit_bytes is None else limit_bytes, keep=path)
    return path


def load_arrays(folder: Path, key: str, name: str):
    """(arrays dict, metadata dict) stored by :func:`store_arrays`, or None."""
    import zipfile

    import numpy as np

    path = _arrays_path(folder, key, name)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        meta = json.loads(arrays.pop(_META).tobytes().decode())
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):  # damaged or foreign
        _remove(path)
        return None
    os.utime(path)
    return arrays, meta


def _entries(folder: Path) -> list[Path]:
    """Every stored file (tables and derived arrays), least recently used first."""
    if not folder.is_dir():
        return []
    files = [*folder.glob(f"*{SUFFIX}"), *folder.glob(f"*{ARRAYS_SUFFIX}")]
    return sorted(files, key=lambda p: p.stat().st_mtime_ns)


def load(folder: Path, key: str):
    """(GeoDataFrame, metadata dict) stored under ``key``, or None."""
    import geopandas as gpd
    import pyarrow.parquet as pq

    path = _path(folder, key)
    if not path.exists():
        return None
    try:
        meta = pq.read_schema(path).metadata or {}
        extra = json.loads(meta.get(b"siting", b"{}"))
        gdf = gpd.read_parquet(path)
    except (OSError, ValueError):  # damaged, truncated or from another version
        _remove(path)
        return None
    os.utime(path)  # most recently used: evicted last
    return gdf, extra


def find(folder: Path, field: str, value):
    """(GeoDataFrame, metadata) of the most recently used entry whose metadata has
    ``field == value``, or None (reads only the metadata of the others)."""
    import pyarrow.parquet as pq

    entries = sorted(folder.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime_ns,
                     reverse=True) if folder.is_dir() else []
    for path in entries:
        try:
            meta = json.loads((pq.read_schema(path).metadata or {}).get(b"siting", b"{}"))
        except (OSError, ValueError):
            continue
        if meta.get(field) == value:
            return load(folder, path.name[:-len(SUFFIX)])
    return None


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:  # another process evicted it first
        return


def store(folder: Path, key: str, gdf, metadata: dict, *, limit_bytes: int | None = None) -> Path:
    """Write ``gdf`` with JSON ``metadata`` under ``key`` (atomically), then evict the
    least recently used entries until the folder is within ``limit_bytes``."""
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    path = _path(folder, key)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:  # the Arrow table GeoPandas' to_parquet writes, built once and written once
        from geopandas.io.arrow import _geopandas_to_arrow

        table = _geopandas_to_arrow(gdf, index=True)
    except ImportError:  # another GeoPandas: write, read back, then add the metadata
        gdf.to_parquet(tmp, index=True, compression="zstd")
        table = pq.read_table(tmp)
    meta = dict(table.schema.metadata or {})
    meta[b"siting"] = json.dumps(metadata, sort_keys=True).encode()
    pq.write_table(table.replace_schema_metadata(meta), tmp, compression="zstd")
    os.replace(tmp, path)
    evict(folder, size_limit_bytes() if limit_bytes is None else limit_bytes, keep=path)
    return path


def evict(folder: Path, limit_bytes: int, *, keep: Path | None = None) -> list[Path]:
    """Delete least recently used entries (tables and derived arrays) until the folder
    holds ≤ ``limit_bytes`` (``keep`` is never deleted). Returns the deleted paths."""
    entries = _entries(folder)
    total = sum(p.stat().st_size for p in entries)
    removed = []
    for path in entries:
        if total <= limit_bytes:
            break
        if keep is not None and path == keep:
            continue
        total -= path.stat().st_size
        _remove(path)
        removed.append(path)
    return removed
