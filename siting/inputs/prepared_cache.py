"""A prepared-parcel cache shared by the app and the CLI: ``pipeline.prepare`` once
per set of inputs, then GeoParquet from disk (``layers.parcel_cache``).

The key fingerprints everything the prepared table depends on: the scenario
fields of ``siting.inputs.prepare_key`` (resolution, parcel spec, layers,
exclusions, user file stamps), the bytes of every bundled layer file, and the
source of the engine modules that compute the table. Any change gives a new
key; old entries age out under the size limit. When only the exclusion settings
changed, an entry with the same parcels, resource means and distances is
reused and only the exclusion columns are recomputed.

What is derived from the parcel geometry alone (the simplified WGS84 outlines the
map draws, the pixel index of the score overlay) is stored beside the table by
:func:`derived`, keyed by the geometry's fingerprint (everything but the
exclusion settings), so a warm app start and an exclusion change skip it too.
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

#: Bump when the stored layout changes.
CACHE_FORMAT = 1
#: Engine and layer-reading modules whose code shapes the prepared table (repo paths).
ENGINE_MODULES = ("siting/features.py", "siting/parcels.py", "siting/zonal.py",
                  "siting/overlay.py", "siting/exclusions.py", "siting/grid.py",
                  "siting/distributed.py", "siting/registry.py", "layers/align.py",
                  "layers/io.py")


#: ``parcels.attrs`` key of a prepared table's geometry fingerprint (set by :func:`prepare`).
GEOMETRY_ATTR = "siting_geometry_key"


def _noop(fraction, message):
    return None


@lru_cache(maxsize=256)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_checksum(path) -> str:
    """SHA-256 of a file (memoised on its size and modification time), or "missing"."""
    file = Path(path)
    if not file.is_file():
        return "missing"
    stat = file.stat()
    return _file_digest(str(file.resolve()), stat.st_size, stat.st_mtime_ns)


def _engine_digest() -> str:
    repo = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for name in ENGINE_MODULES:
        digest.update(file_checksum(repo / name).encode())
    return digest.hexdigest()


def fingerprint(inputs, scenario, *, exclusions: bool = True) -> str:
    """Hex key of the prepared table of ``scenario`` on ``inputs``.

    Parameters
    ----------
    inputs : layers.bundle.Inputs
        Its ``sources`` name the file behind every layer; bundled files are
        checksummed by content, user files by the stamps in ``prepare_key``.
    scenario : siting.scenario.Scenario
    exclusions : bool
        False leaves out the exclusion settings: the key of everything an
        exclusion change keeps (parcels, resource means, distances).
    """
    from siting.inputs import prepare_key

    scenario_key = json.loads(prepare_key(scenario))
    if not exclusions:
        scenario_key.pop("exclusions")
    user = set(scenario.layers)
    bundled = {layer_id: file_checksum(path) for layer_id, path in sorted(inputs.sources.items())
               if layer_id not in user}
    payload = {"format": CACHE_FORMAT, "scenario": scenario_key, "bundled": bundled,
               "engine": _engine_digest(), "parcels_given": inputs.parcels is not None}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def prepare(inputs, scenario, *, progress=_noop, folder=None):
    """``pipeline.prepare`` through the on-disk cache.

    Parameters
    ----------
    inputs : layers.bundle.Inputs
    scenario : siting.scenario.Scenario
    progress : callable
        ``progress(fraction, message)``; a cache hit reports "features ready" at once.
    folder : path, optional
        The cache folder (default ``layers.parcel_cache.cache_dir()``: the
        workspace's, or ``$SITING_CACHE_DIR``; ``off`` disables it).

    Returns
    -------
    siting.features.Prepared
    """
    from layers import parcel_cache
    from siting import pipeline
    from siting.features import Prepared, replace_exclusions

    where = parcel_cache.cache_dir(folder)
    if where is None:
        return pipeline.prepare(inputs, scenario, progress=progress)
    key = fingerprint(inputs, scenario)
    base = fingerprint(inputs, scenario, exclusions=False)
    hit = parcel_cache.load(where, key)
    if hit is not None:
        parcels, meta = hit
        parcels.attrs[GEOMETRY_ATTR] = _stamp(base, parcels)
        progress(1.0, "features ready")
        return Prepared(parcels=parcels,
                        exclusion_area_km2=dict(meta.get("exclusion_area_km2", {})))
    same_parcels = parcel_cache.find(where, "base", base)
    if same_parcels is not None:
        # only the exclusions changed: keep parcels, resource means and distances
        kept = Prepared(parcels=same_parcels[0], exclusion_area_km2={})
        prepared = replace_exclusions(kept, inputs, scenario,
                                      progress=lambda f, m: progress(0.97 * f, m))
    else:
        prepared = pipeline.prepare(inputs, scenario,
                                    progress=lambda f, m: progress(0.97 * f, m))
    progress(0.97, "saving to the workspace")
    try:
        parcel_cache.store(where, key, prepared.parcels,
                           {"exclusion_area_km2": prepared.exclusion_area_km2, "base": base})
    except OSError as exc:  # a read-only or full workspace: the run goes on uncached
        import warnings

        warnings.warn(f"prepared parcels not cached in {where}: {exc.strerror or exc}",
                      RuntimeWarning, stacklevel=2)
    prepared.parcels.attrs[GEOMETRY_ATTR] = _stamp(base, prepared.parcels)
    progress(1.0, "features ready")
    return prepared


def _stamp(base: str, parcels) -> str:
    """The geometry stamp of a prepared table: its key and its row count (pandas copies
    ``attrs`` to every row subset; a subset must not pass for the whole table)."""
    return f"{base}:{len(parcels)}"


def _code_digest(functions) -> str:
    import inspect

    digest = hashlib.sha256()
    for function in functions:
        digest.update(inspect.getsource(function).encode())
    return digest.hexdigest()[:12]


def derived(parcels, name: str, build, *, code=(), folder=None):
    """Arrays derived from the geometry of a prepared table, through the cache.

    Parameters
    ----------
    parcels : GeoDataFrame
        A table from :func:`prepare` (it carries its geometry fingerprint in
        ``attrs``); any other table is built every time.
    name : str
        What is derived, with its parameters (letters, digits, ``-``, ``_``),
        e.g. ``"pixels-1400"``.
    build : callable
        ``build() -> (arrays, metadata)``: numeric ndarrays by name and a
        JSON-able dict; called on a miss.
    code : sequence of functions
        Functions whose source shapes the result: a change in them is a miss.
    folder : path, optional
        The cache folder (default ``layers.parcel_cache.cache_dir()``).

    Returns
    -------
    (dict, dict)
        The arrays and the metadata, as ``build`` returned them.
    """
    from layers import parcel_cache

    base, _, rows = str(parcels.attrs.get(GEOMETRY_ATTR, "")).partition(":")
    where = parcel_cache.cache_dir(folder)
    if not base or rows != str(len(parcels)) or where is None:
        return build()
    stored_name = f"{name}-{_code_digest(code)}"
    hit = parcel_cache.load_arrays(where, base, stored_name)
    if hit is not None:
        return hit
    arrays, meta = build()
    try:
        parcel_cache.store_arrays(where, base, stored_name, arrays, meta)
    except OSError as exc:  # a read-only or full workspace: used uncached
        import warnings

        warnings.warn(f"{name} not cached in {where}: {exc.strerror or exc}",
                      RuntimeWarning, stacklevel=2)
    return arrays, meta
