"""Map data served by the app: each layer's bytes become a file in ``static/maplayers``,
named by their content hash, so the browser fetches a layer once and caches it, and
the map's arguments on every rerun carry only its URL (a few bytes, not megabytes).

Files are written atomically (``layers.workspace.atomic_write``); only the newest
``KEEP_FILES`` are kept (a file in use is touched each time it is published again).
"""
from __future__ import annotations

import hashlib
import io
import json
import os

import numpy as np

from layers.workspace import TEMP_PREFIX, atomic_write
from ui.assets import STATIC_DIR, STATIC_URL

MAP_FILES_DIR = STATIC_DIR / "maplayers"
MAP_FILES_URL = f"{STATIC_URL}/maplayers"
#: How many map files stay in the static folder (~0.1-0.5 MB each).
KEEP_FILES = 300


def publish(data: bytes, suffix: str, *, folder=None) -> str:
    """Serve ``data`` from the static folder; returns its URL (``/app/static/...``)."""
    folder = MAP_FILES_DIR if folder is None else folder
    name = hashlib.sha256(data).hexdigest()[:24] + suffix
    path = folder / name
    if path.exists():
        os.utime(path)  # in use again: the newest, not pruned
    else:
        atomic_write(path, lambda f: f.write(data))
        _prune(folder, keep=path)
    return f"{MAP_FILES_URL}/{name}"


def publish_json(data, *, folder=None) -> str:
    """Serve a JSON document (compact, UTF-8); returns its URL."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return publish(text.encode("utf-8"), ".json", folder=folder)


def png_bytes(rgba: np.ndarray) -> bytes:
    """PNG of an RGBA (or RGB) uint8 image, fast compression."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def publish_png(rgba: np.ndarray, *, folder=None) -> str:
    """Serve an RGBA image as PNG; returns its URL."""
    return publish(png_bytes(rgba), ".png", folder=folder)


def _prune(folder, *, keep) -> None:
    files = sorted((p for p in folder.iterdir() if p.is_file() and p != keep
                    and not p.name.startswith(TEMP_PREFIX)),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP_FILES - 1:]:
        try:
            old.unlink()
        except OSError:  # another session removed it first
            pass
