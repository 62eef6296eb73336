"""Which synthetic layers shaped each parcel, so every output can say so.

A layer is synthetic when its provenance ``type`` (``data/provenance.json`` /
``layers/catalog.yaml``) contains "synthetic"; a user's file replacing it is
not. A parcel lists a synthetic layer when that layer changed its figures:
the red line if it excluded any of the parcel, the wind layers for a wind or
hybrid parcel with wind data, the substations through the grid distance, the
desert/sandy-land and mine layers where their share is above 0.
"""
from __future__ import annotations

import numpy as np

#: Separator of layer ids in the ``synthetic`` column (CSV- and Shapefile-safe).
SEPARATOR = ";"


def synthetic_layer_ids(provenance: dict) -> list[str]:
    """Ids of the synthetic layers in a run's provenance (``Result.provenance``)."""
    return sorted(layer_id for layer_id, info in (provenance or {}).items()
                  if "synthetic" in str(info.get("type", "")))


def _positive(parcels, columns) -> np.ndarray:
    out = np.zeros(len(parcels), dtype=bool)
    for column in columns:
        if column in parcels:
            out |= np.nan_to_num(parcels[column].to_numpy(dtype=float), nan=0.0) > 0
    return out


def parcel_synthetic(parcels, tech: str, provenance: dict, *,
                     pv_mount: str = "fixed") -> np.ndarray:
    """Per parcel, the ids of the synthetic layers that affected it, ``;``-joined.

    Parameters
    ----------
    parcels : DataFrame
        Parcels with their features (``x_redline_*``, ``wind_ms``, ``grid_km``,
        ``desert_frac``, ``sandy_frac``, ``mine_frac``).
    tech : str
        wind | solar | hybrid: wind layers count only where wind is built.
    provenance : dict
        ``{layer id: {"type": ...}}`` of the run.
    pv_mount : {'fixed', 'tracker'}
        Which bundled PV yield layer set the yield (``energy.pv_mount``).

    Returns
    -------
    ndarray of str
        e.g. ``"redline;substations;weibull_k;wind_speed_100m"``; "" if none.
    """
    synthetic = set(synthetic_layer_ids(provenance))
    n = len(parcels)
    uses_wind = tech in ("wind", "hybrid")
    uses_pv = tech in ("solar", "hybrid")

    def finite(column, used=True):
        if not used or column not in parcels:
            return np.zeros(n, bool)
        return np.isfinite(parcels[column].to_numpy(dtype=float))

    # the bundled PV yield counts where it set the yield: PV built, no PVOUT given
    yield_column = "pv_yield_trk_kwh" if pv_mount == "tracker" else "pv_yield_kwh"
    modelled_pv = finite(yield_column, uses_pv) & ~finite("pvout_kwh")
    affected = {
        "redline": _positive(parcels, [c for c in parcels.columns
                                       if str(c).startswith("x_redline_")]),
        "wind_speed_100m": finite("wind_ms", uses_wind),
        "substations": finite("grid_km"),
        "desert": _positive(parcels, ["desert_frac", "sandy_frac"]),
        "mine": _positive(parcels, ["mine_frac"]),
        "pv_yield": modelled_pv if pv_mount != "tracker" else np.zeros(n, bool),
        "pv_yield_tracker": modelled_pv if pv_mount == "tracker" else np.zeros(n, bool),
    }
    affected["weibull_k"] = affected["wind_speed_100m"]
    ids = sorted(layer for layer in affected if layer in synthetic)
    out = np.full(n, "", dtype=object)
    if not ids:
        return out
    # one text per distinct combination of layers, not one join per parcel
    bits = np.zeros(n, dtype=np.int64)
    for i, layer in enumerate(ids):
        bits |= affected[layer].astype(np.int64) << i
    for code in np.unique(bits[bits > 0]):
        out[bits == code] = SEPARATOR.join(layer for i, layer in enumerate(ids)
                                           if code >> i & 1)
    return out
    table = np.column_stack([affected[layer] for layer in ids])
    for row in np.flatnonzero(table.any(axis=1)):
        out[row] = SEPARATOR.join(layer for layer, hit in zip(ids, table[row], strict=True)
                                  if hit)
    return out


def layers_in(table) -> list[str]:
    """Sorted synthetic layer ids named in a table's ``synthetic`` column (e.g. the
    shortlist): what a briefing stamp or an app banner should name."""
    if table is None or "synthetic" not in table or len(table) == 0:
        return []
    found = set()
    for text in table["synthetic"].dropna():
        found.update(part for part in str(text).split(SEPARATOR) if part)
    return sorted(found)
