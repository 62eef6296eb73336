"""Candidate bases: contiguity, connected groups, the minimum capacity and base summaries."""
import geopandas as gpd
import numpy as np
import pytest
import shapely

from siting.bases import (
    DEFAULT_MIN_BASE_GW,
    assign_bases,
    connected_groups,
    neighbour_pairs,
    summarise_bases,
)
from siting.errors import SitingError
from siting.grid import ALBERS_CRS

KM = 1000.0


def cell(row, col, size_km=5.0):
    """A square parcel in a north-up lattice (row 0 at the top)."""
    s = size_km * KM
    return shapely.box(col * s, -(row + 1) * s, (col + 1) * s, -row * s)


# the black squares of a 3×3 checkerboard: the centre touches the four corners diagonally
CHECKERBOARD = np.array([cell(0, 0), cell(0, 2), cell(1, 1), cell(2, 0), cell(2, 2)],
                        dtype=object)


def pairs(left, right):
    return sorted(zip(left.tolist(), right.tolist(), strict=True))


def test_queen_contiguity_joins_diagonal_squares():
    left, right = neighbour_pairs(CHECKERBOARD, contiguity="queen")
    assert pairs(left, right) == [(0, 2), (1, 2), (2, 3), (2, 4)]
    assert len(set(connected_groups(5, left, right))) == 1


def test_rook_contiguity_ignores_corner_touches():
    left, right = neighbour_pairs(CHECKERBOARD, contiguity="rook")
    assert len(left) == 0
    assert sorted(connected_groups(5, left, right)) == [0, 1, 2, 3, 4]


def test_rook_and_queen_agree_on_shared_edges():
    row = np.array([cell(0, 0), cell(0, 1), cell(0, 2)], dtype=object)
    for contiguity in ("queen", "rook"):
        assert pairs(*neighbour_pairs(row, contiguity=contiguity)) == [(0, 1), (1, 2)]


def test_parcels_apart_are_not_neighbours():
    apart = np.array([cell(0, 0), cell(0, 2), cell(5, 5)], dtype=object)
    assert len(neighbour_pairs(apart)[0]) == 0


def test_unknown_contiguity_is_refused():
    with pytest.raises(SitingError, match=r"contiguity 'bishop' is not one of \('queen', 'rook'\)"):
        neighbour_pairs(CHECKERBOARD, contiguity="bishop")


def test_connected_groups_labels_components():
    labels = connected_groups(6, np.array([0, 1, 4]), np.array([1, 2, 5]))
    assert labels[0] == labels[1] == labels[2]
    assert labels[4] == labels[5]
    assert len(set(labels)) == 3


def shortlist_of(cells_and_caps):
    geoms = [cell(r, c) for (r, c), _ in cells_and_caps]
    caps = [cap for _, cap in cells_and_caps]
    return gpd.GeoDataFrame({"cap_mw": caps}, geometry=geoms, crs=ALBERS_CRS)


def test_assign_bases_drops_small_groups_and_names_by_capacity():
    short = shortlist_of([
        ((0, 0), 600.0), ((0, 1), 600.0),            # 1.2 GW group
        ((5, 5), 500.0),                             # 0.5 GW alone: no base
        ((9, 0), 800.0), ((9, 1), 800.0),            # 1.6 GW group: the biggest
        ((0, 8), 999.0),                             # 0.999 GW: just below 1 GW
    ])
    ids = assign_bases(short)
    assert DEFAULT_MIN_BASE_GW == 1.0
    assert ids.tolist() == ["B002", "B002", None, "B001", "B001", None]


def test_assign_bases_min_capacity_and_contiguity_options():
    diagonal = shortlist_of([((0, 0), 400.0), ((1, 1), 400.0)])
    assert assign_bases(diagonal).tolist() == [None, None]  # 0.8 GW < 1 GW
    assert assign_bases(diagonal, min_base_gw=0.8).tolist() == ["B001", "B001"]
    assert assign_bases(diagonal, contiguity="rook", min_base_gw=0.4).tolist() == ["B001", "B002"]


def test_assign_bases_of_an_empty_shortlist():
    empty = gpd.GeoDataFrame({"cap_mw": []}, geometry=[], crs=ALBERS_CRS)
    assert assign_bases(empty).size == 0


def base_members():
    return gpd.GeoDataFrame({
        "base_id": ["B001", "B001", "B001", "B002", "B002", None],
        "cap_mw": [500.0, 300.0, 400.0, 600.0, 600.0, 900.0],
        "energy_gwh": [1000.0, 600.0, 1000.0, 1200.0, 1800.0, 9999.0],
        "score": [80.0, 60.0, 70.0, 50.0, 70.0, 99.0],
        "lcoe": [0.20, 0.30, 0.25, 0.30, 0.20, 0.01],
        "league": ["阿拉善盟", "鄂尔多斯市", "阿拉善盟", "包头市", "包头市", "赤峰市"],
        "land_type": ["other", "desert", "desert", "mine", "mine", "other"],
    }, geometry=[cell(0, 0), cell(0, 1), cell(0, 2), cell(5, 0), cell(5, 1), cell(9, 9)],
        crs=ALBERS_CRS)


def test_summarise_bases_sums_and_weights():
    bases = summarise_bases(base_members())
    assert bases["base_id"].tolist() == ["B001", "B002"]
    b1 = bases.iloc[0]
    assert b1["n_parcels"] == 3
    assert b1["cap_mw"] == 1200.0
    assert b1["energy_gwh"] == 2600.0
    assert b1["flh"] == pytest.approx(2600.0 * 1000 / 1200.0)
    assert b1["score"] == pytest.approx((80 * 500 + 60 * 300 + 70 * 400) / 1200.0)
    assert b1["lcoe"] == pytest.approx((0.20 * 1000 + 0.30 * 600 + 0.25 * 1000) / 2600.0)
    assert b1["geometry"].area / 1e6 == pytest.approx(75.0)
    assert bases["cap_mw"].sum() == 2400.0  # the parcel outside any base is left out


def test_summarise_bases_dominant_land_type_and_leagues_by_capacity():
    bases = summarise_bases(base_members())
    b1, b2 = bases.iloc[0], bases.iloc[1]
    # desert 700 MW beats other 500 MW, though 'other' is the single largest parcel
    assert b1["land_type"] == "desert"
    assert b1["leagues"] == "阿拉善盟、鄂尔多斯市"
    assert b1["league"] == "阿拉善盟"
    assert b2["land_type"] == "mine"
    assert b2["leagues"] == "包头市"


def test_summarise_bases_sorted_by_capacity():
    members = base_members()
    members.loc[members["base_id"] == "B002", "cap_mw"] = 1000.0  # B002 now 2 GW > B001
    bases = summarise_bases(members)
    assert bases["base_id"].tolist() == ["B002", "B001"]


def test_summarise_bases_with_no_base():
    members = base_members()
    members["base_id"] = None
    bases = summarise_bases(members)
    assert len(bases) == 0
    assert {"base_id", "cap_mw", "land_type", "geometry"} <= set(bases.columns)
