"""Load every input a siting run needs: bundled layers, or the user's files
where the scenario (or ``--layer ID=PATH``) replaces them.

Bundled rasters are small and read into memory (``RasterData``). A user's
raster stays on disk (``RasterFile``): the engine warps it block by block
straight from the file, so a 300 MB GeoTIFF at 250 m never sits in memory.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from layers.catalog import load_catalog, resolve_layer
from layers.io import RasterSource, open_raster, read_raster, read_vector
from siting.errors import DataFileError

#: Raster and vector layers a run reads, by catalog id.
RUN_RASTERS = ("elevation", "slope", "landcover", "ghi", "wind_speed_100m", "weibull_k")
RUN_VECTORS = ("province", "leagues", "banners", "border", "redline", "desert", "mine",
               "substations", "lines", "settlements")


@dataclass
class Inputs:
    """Everything a run reads: vectors as GeoDataFrames (WGS84 or as given), rasters
    in memory (bundled) or as checked files (the user's)."""

    rasters: dict[str, RasterSource]
    vectors: dict
    provenance: dict[str, dict]
    parcels: object | None = None
    sources: dict[str, str] = field(default_factory=dict)


def load_inputs(overrides: dict[str, str] | None = None, *, parcels_file: str | None = None,
                progress=None) -> Inputs:
    """Read the layers of a run.

    Parameters
    ----------
    overrides : dict, optional
        ``{layer id: path}`` replacing bundled layers.
    parcels_file : str, optional
        The user's own parcel polygons.
    progress : callable, optional
        ``progress(fraction 0-1, message)``.
    """
    catalog = load_catalog()
    overrides = dict(overrides or {})
    rasters, vectors, provenance, sources = {}, {}, {}, {}
    ids = RUN_RASTERS + RUN_VECTORS
    for i, layer_id in enumerate(ids):
        info = resolve_layer(layer_id, catalog, overrides)
        if progress:
            progress(i / len(ids), f"reading {layer_id}")
        if info.kind == "raster":
            user_file = layer_id in overrides
            rasters[layer_id] = open_raster(info.path) if user_file else read_raster(info.path)
        else:
            gdf = read_vector(info.path, layer=info.layer)
            if gdf.empty:
                raise DataFileError(f"layer {layer_id!r} ({info.path.name}) has no features")
            vectors[layer_id] = gdf
        provenance[layer_id] = {"name_zh": info.name_zh, "name_en": info.name_en,
                                **info.provenance}
        sources[layer_id] = str(info.path)
    user_parcels = read_vector(parcels_file) if parcels_file else None
    return Inputs(rasters=rasters, vectors=vectors, provenance=provenance,
                  parcels=user_parcels, sources=sources)
