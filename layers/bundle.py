"""Read the bundled layers of a run and merge in the user's checked layers.

Bundled rasters are small and read into memory (``RasterData``). A user's
raster stays on disk (``RasterFile``): the engine warps it block by block
straight from the file, so a 300 MB GeoTIFF at 250 m never sits in memory.
User files are checked before they get here (``siting.inputs.load_run_inputs``
runs ``layers.importer.check_layer_file`` on each): this module only reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from layers.catalog import load_catalog, resolve_layer
from layers.errors import DataFileError
from layers.io import RasterFile, RasterSource, read_raster, read_vector


@dataclass
class Inputs:
    """Everything a run reads: vectors as GeoDataFrames (WGS84 or as given), rasters
    in memory (bundled) or as checked files (the user's)."""

    rasters: dict[str, RasterSource]
    vectors: dict
    provenance: dict[str, dict]
    parcels: object | None = None
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UserLayer:
    """A user's layer, already checked: ``data`` is a ``RasterFile`` or a GeoDataFrame."""

    data: object
    source: str
    name_zh: str
    name_en: str


def load_inputs(raster_ids, vector_ids, user_layers: dict[str, UserLayer] | None = None, *,
                parcels=None, progress=None) -> Inputs:
    """The bundled layers of a run, with the user's checked layers in their place.

    Parameters
    ----------
    raster_ids, vector_ids : sequence of str
        Catalog ids of the bundled rasters and vectors the run reads (the engine's
        list: ``siting.registry.RUN_RASTERS`` / ``RUN_VECTORS``).
    user_layers : dict, optional
        ``{layer id or role: UserLayer}`` (from ``siting.inputs.load_run_inputs``):
        catalog ids replace the bundled layer, other roles are added.
    parcels : geopandas.GeoDataFrame, optional
        The user's own parcel polygons, already checked.
    progress : callable, optional
        ``progress(fraction 0-1, message)``.
    """
    catalog = load_catalog()
    user_layers = dict(user_layers or {})
    for layer_id, layer in user_layers.items():
        if not isinstance(layer, UserLayer):
            raise TypeError(f"layer {layer_id!r}: load_inputs takes checked layers "
                            f"(UserLayer), got {type(layer).__name__}; read a scenario's "
                            "files with siting.inputs.load_run_inputs")
    rasters, vectors, provenance, sources = {}, {}, {}, {}
    ids = tuple(raster_ids) + tuple(vector_ids)
    for i, layer_id in enumerate(ids):
        if progress:
            progress(i / len(ids), f"reading {layer_id}")
        if layer_id in user_layers:
            continue
        info = resolve_layer(layer_id, catalog)
        if info.kind == "raster":
            rasters[layer_id] = read_raster(info.path)
        else:
            gdf = read_vector(info.path, layer=info.layer)
            if gdf.empty:
                raise DataFileError(f"layer {layer_id!r} ({info.path.name}) has no features",
                                    zh=f"图层 {layer_id!r}（{info.path.name}）中没有要素")
            vectors[layer_id] = gdf
        provenance[layer_id] = {"name_zh": info.name_zh, "name_en": info.name_en,
                                **info.provenance}
        sources[layer_id] = str(info.path)
    for layer_id, layer in user_layers.items():
        target = rasters if isinstance(layer.data, RasterFile) else vectors
        target[layer_id] = layer.data
        what = (f"user file replacing {layer_id}" if layer_id in ids else
                f"user layer ({layer_id})")
        provenance[layer_id] = {"name_zh": layer.name_zh, "name_en": layer.name_en,
                                "type": "user", "source": layer.source,
                                "licence": "as supplied by the user", "method": what}
        sources[layer_id] = layer.source
    return Inputs(rasters=rasters, vectors=vectors, provenance=provenance, parcels=parcels,
                  sources=sources)
