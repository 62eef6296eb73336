"""Shared fixtures: tiny in-memory rasters and vectors with hand-checkable values."""
from __future__ import annotations

import numpy as np
import pytest
from affine import Affine


@pytest.fixture
def tiny_raster_file(tmp_path):
    """A 3×3 GeoTIFF of np.arange(9) in EPSG:4326 at 1° cells, nodata 8 at the corner."""
    import rasterio

    path = tmp_path / "tiny.tif"
    data = np.arange(9, dtype="float32").reshape(3, 3)
    with rasterio.open(path, "w", driver="GTiff", width=3, height=3, count=1, dtype="float32",
                       crs="EPSG:4326", transform=Affine(1, 0, 110, 0, -1, 43),
                       nodata=8) as dst:
        dst.write(data, 1)
    return path
