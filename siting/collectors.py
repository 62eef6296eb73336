"""Collector bases: the parcels no existing connection point has room for build their
own 500 kV collector station and line to a trunk point (``siting.bases.form_bases``
with ``new_lines``; NREL reV's transmission-constrained supply curve)."""
from __future__ import annotations

import numpy as np


def grow_collectors(rows, *, xy, cap, pxy, point_ids, trunk, up, room, reach_m, max_mw,
                     min_mw, max_line_km):
    """Collector bases for the parcels ``rows`` (in order) that found no point with room.

    ``room`` (MW left per point) is updated in place: a collector base takes room at
    its trunk's upstream point ``up[trunk]``. Returns a list of dicts (point = trunk,
    up, anchor = collector position, line_km, mw, rows); bases below ``min_mw`` are
    dissolved and their parcels try the surviving ones.
    """
    trunks = np.flatnonzero(trunk)
    if len(trunks) == 0 or not rows:
        return []
    # every parcel's distance to every trunk point, km, and the trunks in order of it
    # (ties by point id), once: a parcel opening a base then takes the first with room
    position = {i: k for k, i in enumerate(rows)}
    at = np.asarray(rows, dtype=np.int64)
    trunk_km = np.hypot(pxy[trunks, 0][None, :] - xy[at, 0][:, None],
                        pxy[trunks, 1][None, :] - xy[at, 1][:, None]) / 1000.0
    id_rank = np.unique(point_ids[trunks], return_inverse=True)[1].ravel()
    trunk_order = np.lexsort((np.broadcast_to(id_rank, trunk_km.shape), trunk_km), axis=-1)
    up_trunks = up[trunks]

    def grow(rows, bases, *, may_open: bool):
        joined = []
        # per parcel, the bases whose anchor is within reach: (distance m, base), found
        # for all parcels at once when a base opens (far less often than a parcel looks)
        at = np.asarray(rows, dtype=np.int64)
        anchors: list = []
        within: list[list] = [[] for _ in rows]
        odd = [False]  # a NaN distance: visit the bases as np.argsort orders them

        def add_anchor(anchor):
            b = len(anchors)
            anchors.append(anchor)
            column = np.hypot(anchor[0] - xy[at, 0], anchor[1] - xy[at, 1])
            odd[0] = odd[0] or bool(np.isnan(column).any())
            near = np.flatnonzero(column <= reach_m)
            for k, d in zip(near.tolist(), column[near].tolist(), strict=True):
                within[k].append((d, b))

        for base in bases:
            add_anchor(base["anchor"])
        for k, i in enumerate(rows):
            if not (cap[i] > 0) or cap[i] > max_mw:
                continue
            target = None
            if bases:
                if odd[0]:
                    dist = np.hypot(*(np.array(anchors, dtype=float) - xy[i]).T)
                    candidates = [(dist[b], b) for b in np.argsort(dist, kind="stable")]
                else:  # nearest first, ties by opening order (np.argsort's order)
                    candidates = sorted(within[k])
                for d, b in candidates:
                    base = bases[b]
                    if d > reach_m:
                        break
                    if (base["mw"] + cap[i] <= max_mw + 1e-9
                            and room[base["up"]] >= cap[i] - 1e-9):
                        target = base
                        break
            if target is None and may_open:
                # the nearest trunk (ties by id) within reach whose upstream has room
                row = position[i]
                km = trunk_km[row]
                for t in trunk_order[row]:
                    if km[t] > max_line_km:
                        break
                    if room[up_trunks[t]] >= cap[i] - 1e-9:
                        target = {"point": int(trunks[t]), "up": int(up_trunks[t]),
                                  "anchor": xy[i], "line_km": float(km[t]), "mw": 0.0,
                                  "rows": []}
                        bases.append(target)
                        add_anchor(xy[i])
                        break
            if target is None:
                continue
            target["mw"] += cap[i]
            target["rows"].append(i)
            room[target["up"]] -= cap[i]
            joined.append(i)
        return joined

    bases: list[dict] = []
    grow(rows, bases, may_open=True)
    small = [base for base in bases if base["mw"] < min_mw - 1e-9]
    if small:
        position = {i: k for k, i in enumerate(rows)}
        loose = sorted((i for base in small for i in base["rows"]), key=position.__getitem__)
        for base in small:
            room[base["up"]] += base["mw"]
        bases = [base for base in bases if base["mw"] >= min_mw - 1e-9]
        grow(loose, bases, may_open=False)
    return bases
