"""Cloud-Optimised GeoTIFF output: write a grid block by block, then lay it out as a COG.

A COG is a tiled GeoTIFF with its overviews, ordered so a reader (QGIS, GDAL's
/vsicurl/, a web tiler) fetches only the part and zoom level it shows.
"""
from __future__ import annotations

import os
from pathlib import Path

#: Internal tile edge of the COG, pixels.
COG_BLOCK = 512


def write_cog(path, blocks, *, width: int, height: int, transform, crs, dtype="uint8",
              nodata=None, resampling: str = "nearest") -> Path:
    """Write ``blocks`` (``(rasterio Window, array)`` pairs) as a one-band COG at ``path``.

    Cells no block covers are ``nodata``. The blocks go to a sparse tiled GeoTIFF
    next to ``path`` first; GDAL's COG driver then adds overviews (``resampling``)
    and writes the final layout. Returns the path.
    """
    import rasterio
    from rasterio.shutil import copy as rio_copy

    target = Path(path)
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.tif")
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1,
               "dtype": dtype, "crs": crs, "transform": transform, "nodata": nodata,
               "tiled": True, "blockxsize": COG_BLOCK, "blockysize": COG_BLOCK,
               "compress": "deflate", "sparse_ok": True, "BIGTIFF": "IF_SAFER"}
    try:
        with rasterio.Env(GDAL_CACHEMAX=128), rasterio.open(tmp, "w", **profile) as dst:
            for window, array in blocks:
                dst.write(array, 1, window=window)
        with rasterio.Env(GDAL_CACHEMAX=128):
            rio_copy(tmp, target, driver="COG", COMPRESS="DEFLATE", BLOCKSIZE=COG_BLOCK,
                     RESAMPLING=resampling.upper(), OVERVIEWS="AUTO", BIGTIFF="IF_SAFER")
    finally:
        tmp.unlink(missing_ok=True)
    return target
