"""The scenario's eligibility mask as a Cloud-Optimised GeoTIFF: the CLI's
``run --mask`` and the app's download. At the boundary because it writes a file
(``layers.cog``); the cells come from the engine (``siting.exclusions``)."""
from __future__ import annotations


def write_eligibility_mask(path, inputs, scenario, parcels, *, resolution_m: float | None = None,
               fraction: bool = False):
    """Write the scenario's eligibility mask as a COG (see ``siting.exclusions``).

    1 eligible, 0 excluded, 255 outside every parcel; with ``fraction`` each parcel's
    cells hold its eligible share in percent. Hybrid: land open to both technologies.
    """
    from layers.cog import write_cog
    from siting import exclusions as ex
    from siting.features import exclusion_shapes
    from siting.grid import grid_for_bounds
    from siting.tech import kinds

    shapes = exclusion_shapes(inputs, scenario.exclusions)
    sources = {f"{name}_{tech}": geoms
               for tech, column in (("wind", "w"), ("pv", "pv"))
               if column in kinds(scenario.tech)
               for name, geoms in shapes[tech].items()}
    grid = grid_for_bounds(tuple(parcels.total_bounds), resolution_m or ex.MASK_RESOLUTION_M,
                           min_resolution_m=10.0)
    blocks = ex.eligibility_blocks(parcels.geometry.to_numpy(), sources, grid,
                                   fraction=fraction)
    return write_cog(path, blocks, width=grid.width, height=grid.height,
                     transform=grid.transform, crs=grid.crs, nodata=ex.MASK_NODATA)
