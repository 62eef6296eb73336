"""Hostile-file guards: upload, zip and raster size limits, from arguments or the environment."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

from layers import safezip
from layers.errors import LayerError

#: Largest upload accepted, bytes (all files of one upload together). A
#: float32 raster of the region's extent at 250 m is ~340 MB uncompressed.
MAX_UPLOAD_BYTES = 1024**3
#: Largest upload through the app, MiB: ``server.maxUploadSize`` in .streamlit/config.toml
#: (the app passes ``default_limits(APP_MAX_UPLOAD_MB)``).
APP_MAX_UPLOAD_MB = 500
#: Environment variable overriding ``MAX_UPLOAD_BYTES``, in MiB.
MAX_UPLOAD_ENV = "SITING_MAX_UPLOAD_MB"
#: Environment variable overriding the zip limit ``safezip.MAX_UNZIPPED_BYTES``, in MiB.
MAX_UNZIPPED_ENV = "SITING_MAX_UNZIPPED_MB"
#: Largest raster accepted, cells (the region at 100 m is ~5e8 cells).
MAX_RASTER_CELLS = 600_000_000
#: Raster cells processed per block (≈ 32 MB as float64): memory stays bounded.
BLOCK_CELLS = 4_000_000
#: Widest (or tallest) raster accepted, cells: the reads go by rows, so one row must
#: fit a block (the region is ~90,000 cells wide at 30 m).
MAX_RASTER_SIDE = BLOCK_CELLS
#: Largest internal block (strip or tile) GDAL may have to hold, bytes uncompressed.
MAX_RASTER_BLOCK_BYTES = 256 * 1024**2


@dataclass(frozen=True)
class Limits:
    """Hostile-file guards; tests pass small values.

    Attributes
    ----------
    max_upload_bytes : int
        All files of one upload together, bytes.
    max_unzipped_bytes : int
        Uncompressed total out of a zip, bytes (directory and stream checked).
    max_zip_members : int
        Files in one zip.
    max_raster_cells : int
        Width × height of a raster.
    max_raster_side : int
        Width or height of a raster, cells (a row is read at once).
    max_raster_block_bytes : int
        Uncompressed size of one internal strip or tile of a raster, bytes.
    """

    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_unzipped_bytes: int = safezip.MAX_UNZIPPED_BYTES
    max_zip_members: int = safezip.MAX_MEMBERS
    max_raster_cells: int = MAX_RASTER_CELLS
    max_raster_side: int = MAX_RASTER_SIDE
    max_raster_block_bytes: int = MAX_RASTER_BLOCK_BYTES


def _env_mib(value, what: str, what_zh: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        mib = float(value)
    except ValueError:
        mib = math.nan
    if not mib > 0:
        raise LayerError(f"{what} must be a positive number of MiB, got {value!r}",
                          zh=f"{what_zh} 须为正数（单位 MiB），当前为 {value!r}")
    return int(mib * 1024**2)


def default_limits(max_upload_mb: float | None = None) -> Limits:
    """Limits from the argument or the environment (``$SITING_MAX_UPLOAD_MB``,
    ``$SITING_MAX_UNZIPPED_MB``), else the defaults."""
    upload = _env_mib(max_upload_mb if max_upload_mb is not None else
                      os.environ.get(MAX_UPLOAD_ENV), f"upload limit (--max-upload-mb or "
                      f"${MAX_UPLOAD_ENV})", f"上传上限（--max-upload-mb 或 ${MAX_UPLOAD_ENV}）")
    unzipped = _env_mib(os.environ.get(MAX_UNZIPPED_ENV), f"${MAX_UNZIPPED_ENV}",
                        f"${MAX_UNZIPPED_ENV}")
    return Limits(max_upload_bytes=upload or MAX_UPLOAD_BYTES,
                  max_unzipped_bytes=unzipped or safezip.MAX_UNZIPPED_BYTES)

