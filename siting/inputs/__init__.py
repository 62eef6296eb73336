"""The one run path: a ``Scenario`` → the inputs of its run.

The app, the CLI, the scenario library and the benchmarks all call
``load_run_inputs``: bundled layers, the scenario's ``layers`` (user files by
catalog id or import role) and ``parcels_file``. Every user file first goes
through the checks ``python -m siting import`` runs
(``layers.importer.check_layer_file``: format, CRS, overlap with the region,
value range per role, every raster block read once), without storing
anything. ``prepare_key`` fingerprints what the slow feature stage depends on,
user files included, for caches.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from siting.errors import SitingError

#: Import role of the user's own parcels (``scenario.parcels_file``).
PARCELS_ROLE = "parcels"


def _check(key: str, path: str, role: str):
    from layers.errors import LayerError
    from layers.importer import check_layer_file

    try:
        return check_layer_file(path, role)
    except (SitingError, LayerError) as exc:
        raise exc.prefixed(f"layer {key!r} ({path})", f"图层 {key!r}（{path}）") from None


def load_run_inputs(scenario, *, progress=None):
    """Read and check everything the run of ``scenario`` reads.

    Parameters
    ----------
    scenario : siting.scenario.Scenario
        Its ``layers`` (``{catalog id or role: path}``) replace bundled layers
        or add the roles ``pvout``, ``custom_exclusion`` and
        ``custom_encouragement``; ``parcels_file`` replaces the parcel grid.
    progress : callable, optional
        ``progress(fraction 0-1, message)``.

    Returns
    -------
    layers.bundle.Inputs

    Raises
    ------
    layers.errors.LayerError
        A user file fails a check (``DataFileError``, ``CRSError``,
        ``UnsafeFileError``) or a bundled file is missing
        (``LayerNotFoundError``); the message names the layer, the file,
        what is wrong and the fix.
    """
    from layers.bundle import UserLayer, load_inputs
    from layers.importer import role_spec
    from layers.io import open_raster

    report = progress or (lambda fraction, message: None)
    files = _user_files(scenario)
    n_steps = len(files) + 1
    user_layers, parcels = {}, None
    for i, (key, path) in enumerate(files.items()):
        report(0.5 * i / n_steps, f"checking {Path(path).name}")
        checked = _check(key, path, key)
        if key == PARCELS_ROLE:
            parcels = checked.gdf
            continue
        spec = role_spec(key)
        data = open_raster(checked.path) if checked.kind == "raster" else checked.gdf
        user_layers[key] = UserLayer(data=data, source=str(Path(path).expanduser().resolve()),
                                     name_zh=spec.name_zh, name_en=spec.name_en)
    start = 0.5 * len(files) / n_steps
    from siting.registry import RUN_RASTERS, RUN_VECTORS

    raster_ids = RUN_RASTERS
    if "ghi" in user_layers and not {"pvout", "pv_yield", "pv_yield_tracker"} & set(user_layers):
        # the bundled PV yield was modelled from the bundled GHI: with the user's GHI
        # it would disagree, so PV falls back to the user's GHI × tilt gain × PR
        raster_ids = tuple(i for i in RUN_RASTERS if i not in ("pv_yield", "pv_yield_tracker"))
    return load_inputs(raster_ids, RUN_VECTORS, user_layers, parcels=parcels,
                       progress=lambda f, m: report(start + (1 - start) * f, m))


def open_warper(source, grid, *, resampling: str = "bilinear", threads: int = 1):
    """The data layer's warper of ``source`` onto blocks of ``grid`` (``layers.align.Warper``).

    What ``siting.zonal.raster_means`` is given as ``open_warper``: the engine
    warps layers only through this boundary. A context manager whose
    ``warp(window)`` returns float32 values, NaN where there is no data.
    Module-level, so a Dask task can carry it.
    """
    from layers.align import Warper

    return Warper(source, grid, resampling=resampling, threads=threads)


#: Environment variable: more folders (``os.pathsep``-separated) whose files a
#: scenario may name, for analysts who keep layers outside the workspace.
ALLOWED_DIRS_ENV = "SITING_ALLOWED_DIRS"


def check_scenario_paths(scenario, *, workspace_dir=None, allowed_dirs=(),
                         allowed_files=()) -> None:
    """Refuse a scenario whose ``layers`` or ``parcels_file`` names a file outside
    the folders it may read.

    A file may be read when, symbolic links and ``..`` resolved, it lies under
    the user's workspace (``layers.workspace.workspace_dir``), under one of
    ``allowed_dirs`` (the CLI passes the ``--scenario`` file's own folder) or
    ``$SITING_ALLOWED_DIRS``, or is one of ``allowed_files`` (the CLI passes
    the ``--layer`` paths: the user named them on the command line). The app
    calls it with the defaults, so a pasted scenario can reach only the
    workspace: never another server file.

    Raises
    ------
    SitingError
        Naming the layer and the file's name (not its folder) and the fix.
    """
    import os

    from layers import workspace

    folders = [workspace.workspace_dir(workspace_dir), *map(Path, allowed_dirs)]
    folders += [Path(p) for p in os.environ.get(ALLOWED_DIRS_ENV, "").split(os.pathsep) if p]
    folders = [f.expanduser().resolve() for f in folders]
    files = {Path(p).expanduser().resolve() for p in allowed_files}
    named = dict(scenario.layers)
    if scenario.parcels_file:
        named["parcels_file"] = scenario.parcels_file
    for key, value in named.items():
        path = Path(value).expanduser().resolve()
        if path in files or any(path.is_relative_to(folder) for folder in folders):
            continue
        raise SitingError(f"layer {key!r}: the file {Path(value).name!r} lies outside the "
                          "folders a scenario may read (the workspace, the scenario file's "
                          "folder, --layer paths); import it with `python -m siting import` "
                          f"or add its folder to ${ALLOWED_DIRS_ENV}",
                          zh=f"图层 {key!r}：文件 {Path(value).name!r} 不在情景可读取的文件夹中"
                             "（工作区、情景文件所在文件夹、--layer 路径）；请用 "
                             "`python -m siting import` 导入，或把其文件夹加入 "
                             f"${ALLOWED_DIRS_ENV}")


def _file_stamp(path: str) -> list:
    """[size in bytes, modification time in ns] of a user file (and a Shapefile's sidecars),
    or ["missing"]: a replaced file changes the stamp."""
    file = Path(path).expanduser()
    if not file.exists():
        return ["missing"]
    members = [file]
    if file.suffix.lower() == ".shp":
        members += sorted(p for p in file.parent.glob(f"{file.stem}.*") if p != file)
    return [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in members]


def _user_files(scenario) -> dict[str, str]:
    files = dict(scenario.layers)
    if scenario.parcels_file:
        files[PARCELS_ROLE] = scenario.parcels_file
    return files


def inputs_key(scenario) -> str:
    """A cache key of ``load_run_inputs(scenario)``: the user files, with their
    size and modification time (a file replaced under the same name gives a new key)."""
    return json.dumps({key: [path, _file_stamp(path)]
                       for key, path in sorted(_user_files(scenario).items())},
                      sort_keys=True, ensure_ascii=False)


def prepare_key(scenario) -> str:
    """A cache key of the slow, raster-touching stage of ``scenario``'s run.

    JSON of the scenario fields that change the parcel features (resolution,
    parcels, layers, exclusions, load-centre threshold) and ``inputs_key``.
    """
    data = scenario.model_dump(mode="json")
    relevant = {k: data[k] for k in ("resolution_m", "parcel_shape", "parcel_size_km",
                                     "parcels_file", "layers", "exclusions")}
    relevant["load_pop"] = data["bounds"]["load_centre_min_population"]
    relevant["files"] = inputs_key(scenario)
    return json.dumps(relevant, sort_keys=True, ensure_ascii=False)


# --- what the outputs need from the data (siting.outputs imports no layers) ----------
#: Boundary layers the briefing map draws.
BRIEFING_BOUNDARIES = ("leagues", "province")


@lru_cache(maxsize=8)
def _boundary_cached(path: str, layer: str | None, mtime: float):
    from layers.io import read_vector

    return read_vector(path, layer=layer)


def briefing_boundaries(scenario, inputs=None) -> dict:
    """``{'leagues': GeoDataFrame, 'province': GeoDataFrame}`` for the briefing map
    (``siting.outputs.briefing``): from ``inputs`` (``load_run_inputs``) when given,
    else read from the catalog or the scenario's overrides (cached per file)."""
    if inputs is not None:
        return {k: inputs.vectors[k] for k in BRIEFING_BOUNDARIES}
    from layers.catalog import resolve_layer

    out = {}
    for layer_id in BRIEFING_BOUNDARIES:
        info = resolve_layer(layer_id, overrides=scenario.layers or None)
        out[layer_id] = _boundary_cached(str(info.path), info.layer,
                                         info.path.stat().st_mtime).copy()
    return out


def disclaimer_texts() -> dict | None:
    """The bundled data's disclaimer (审图号) ``{'zh': …, 'en': …}`` from
    data/provenance.json, or None when the file is missing (the outputs then
    use their built-in copy of the same text)."""
    from layers.catalog import PROVENANCE_PATH

    try:
        doc = json.loads(Path(PROVENANCE_PATH).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return {lang: doc.get(f"disclaimer_{lang}") for lang in ("zh", "en")}
