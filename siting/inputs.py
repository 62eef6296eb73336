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
from pathlib import Path

from siting.errors import SitingError

#: Import role of the user's own parcels (``scenario.parcels_file``).
PARCELS_ROLE = "parcels"


def _check(key: str, path: str, role: str):
    from layers.importer import check_layer_file

    try:
        return check_layer_file(path, role)
    except SitingError as exc:
        raise type(exc)(f"layer {key!r} ({path}): {exc}") from None


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
    SitingError
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
    return load_inputs(user_layers, parcels=parcels,
                       progress=lambda f, m: report(start + (1 - start) * f, m))


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
