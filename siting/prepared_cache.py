"""A prepared-parcel cache shared by the app and the CLI: ``pipeline.prepare`` once
per set of inputs, then GeoParquet from disk (``layers.parcel_cache``).

The key fingerprints everything the prepared table depends on: the scenario
fields of ``siting.inputs.prepare_key`` (resolution, parcel spec, layers,
exclusions, user file stamps), the bytes of every bundled layer file, and the
source of the engine modules that compute the table. Any change gives a new
key; old entries age out under the size limit. When only the exclusion settings
changed, an entry with the same parcels, resource means and distances is
reused and only the exclusion columns are recomputed.
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
                  "siting/distributed.py", "layers/align.py", "layers/io.py")


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
    repo = Path(__file__).resolve().parents[1]
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
    hit = parcel_cache.load(where, key)
    if hit is not None:
        parcels, meta = hit
        progress(1.0, "features ready")
        return Prepared(parcels=parcels,
                        exclusion_area_km2=dict(meta.get("exclusion_area_km2", {})))
    base = fingerprint(inputs, scenario, exclusions=False)
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
    progress(1.0, "features ready")
    return prepared
