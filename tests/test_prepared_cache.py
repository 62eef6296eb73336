"""The prepared-parcel cache: same inputs read back identically, any input change misses,
the store stays under its size limit, a damaged entry is recomputed (issue 15)."""
import dataclasses
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from layers import parcel_cache
from siting import pipeline
from siting import scenario as sc
from siting.inputs import prepared_cache


@pytest.fixture(scope="module")
def small_run(small_inputs, small_prepared, shared_prepared_cache, tmp_path_factory):
    """(folder, prepared) of the fixture region in a cache folder of its own, holding
    the session's entry (computed once for the session by ``small_prepared``)."""
    folder = tmp_path_factory.mktemp("cache")
    key = prepared_cache.fingerprint(small_inputs, sc.Scenario())
    shutil.copy(shared_prepared_cache / f"{key}{parcel_cache.SUFFIX}", folder)
    return folder, prepared_cache.prepare(small_inputs, sc.Scenario(), folder=folder)


def test_a_second_prepare_reads_the_same_table_back(small_inputs, small_run):
    folder, first = small_run
    calls = []
    again = prepared_cache.prepare(small_inputs, sc.Scenario(), folder=folder,
                                   progress=lambda f, m: calls.append((f, m)))
    assert calls == [(1.0, "features ready")]  # no stage ran
    pd.testing.assert_frame_equal(pd.DataFrame(again.parcels.drop(columns="geometry")),
                                  pd.DataFrame(first.parcels.drop(columns="geometry")),
                                  check_exact=True)
    assert again.parcels.geometry.geom_equals_exact(first.parcels.geometry, 0).all()
    assert again.parcels.crs == first.parcels.crs
    assert again.exclusion_area_km2 == first.exclusion_area_km2
    direct = pipeline.prepare(small_inputs, sc.Scenario())
    pd.testing.assert_frame_equal(pd.DataFrame(again.parcels.drop(columns="geometry")),
                                  pd.DataFrame(direct.parcels.drop(columns="geometry")),
                                  check_exact=True)


def test_weights_and_tech_share_one_entry_but_exclusions_do_not(small_inputs):
    base = prepared_cache.fingerprint(small_inputs, sc.Scenario())
    assert prepared_cache.fingerprint(small_inputs, sc.Scenario(tech="wind")) == base
    weights = sc.from_dict({"weights": {"mode": "direct", "direct": {
        "resource": 0.2, "grid": 0.5, "load": 0.2, "slope": 0.1, "encouragement": 0.0}}})
    assert weights.weights != sc.Scenario().weights
    assert prepared_cache.fingerprint(small_inputs, weights) == base
    buffered = sc.from_dict({"exclusions": {**sc.Scenario().exclusions.model_dump(),
                                            "redline_buffer_km": 1.0}})
    assert prepared_cache.fingerprint(small_inputs, buffered) != base
    finer = sc.from_dict({"resolution_m": 500})
    assert prepared_cache.fingerprint(small_inputs, finer) != base
    smaller = sc.from_dict({"parcel_size_km": 2.5})
    assert prepared_cache.fingerprint(small_inputs, smaller) != base


def test_a_changed_bundled_file_changes_the_key(small_inputs, tmp_path):
    source = small_inputs.sources["mine"]
    copy = tmp_path / os.path.basename(source)
    shutil.copy(source, copy)
    moved = dataclasses.replace(small_inputs, sources={**small_inputs.sources, "mine": str(copy)})
    key = prepared_cache.fingerprint(moved, sc.Scenario())
    assert key == prepared_cache.fingerprint(small_inputs, sc.Scenario())  # same bytes
    with open(copy, "ab") as handle:
        handle.write(b"\0")
    assert prepared_cache.fingerprint(moved, sc.Scenario()) != key


def test_the_store_evicts_the_least_recently_used(tmp_path, small_run):
    _, prepared = small_run
    table = prepared.parcels.head(200)
    paths = [parcel_cache.store(tmp_path, key, table, {}, limit_bytes=10**9)
             for key in ("a1", "b2", "c3")]
    size = paths[0].stat().st_size
    os.utime(paths[0], ns=(1, 1))
    os.utime(paths[1], ns=(2, 2))
    assert parcel_cache.load(tmp_path, "a1") is not None  # now the most recently used
    parcel_cache.evict(tmp_path, int(2.5 * size))
    assert sorted(p.name for p in tmp_path.glob("*.parquet")) == ["a1.parquet", "c3.parquet"]


def test_a_damaged_entry_is_a_miss(tmp_path, small_run):
    _, prepared = small_run
    path = parcel_cache.store(tmp_path, "k1", prepared.parcels.head(10), {"x": 1})
    assert parcel_cache.load(tmp_path, "k1")[1] == {"x": 1}
    path.write_bytes(path.read_bytes()[:100])
    assert parcel_cache.load(tmp_path, "k1") is None
    assert not path.exists()


def test_off_disables_and_env_chooses_the_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(parcel_cache.CACHE_DIR_ENV, "off")
    assert parcel_cache.cache_dir() is None
    monkeypatch.setenv(parcel_cache.CACHE_DIR_ENV, str(tmp_path))
    assert parcel_cache.cache_dir() == tmp_path.resolve()
    monkeypatch.delenv(parcel_cache.CACHE_DIR_ENV)
    monkeypatch.setenv("SITING_WORKSPACE", str(tmp_path / "ws"))
    assert parcel_cache.cache_dir() == (tmp_path / "ws" / "cache" / "prepared").resolve()
    with pytest.raises(ValueError, match="alphanumeric"):
        parcel_cache.load(tmp_path, "../x")


def test_keys_are_hex(small_inputs):
    key = prepared_cache.fingerprint(small_inputs, sc.Scenario())
    assert len(key) == 32 and int(key, 16) >= 0 and np.all([c.isalnum() for c in key])


def test_an_exclusion_change_recomputes_only_the_exclusions(small_inputs, small_run):
    folder, _ = small_run
    changed = sc.from_dict({"exclusions": {**sc.Scenario().exclusions.model_dump(),
                                           "redline_buffer_km": 1.0, "cropland_pv": False}})
    calls = []
    cached = prepared_cache.prepare(small_inputs, changed, folder=folder,
                                    progress=lambda f, m: calls.append(m))
    assert "parcels" not in calls and "distances" not in calls  # geometry untouched
    # the map geometry and pixel index stored for the old exclusions still serve
    geometry = prepared_cache.GEOMETRY_ATTR
    assert cached.parcels.attrs[geometry] == small_run[1].parcels.attrs[geometry]
    direct = pipeline.prepare(small_inputs, changed)
    pd.testing.assert_frame_equal(pd.DataFrame(cached.parcels.drop(columns="geometry")),
                                  pd.DataFrame(direct.parcels.drop(columns="geometry")),
                                  check_exact=True)
    assert cached.exclusion_area_km2 == direct.exclusion_area_km2
    assert "x_cropland_pv" not in cached.parcels


def test_derived_arrays_are_built_once_then_read_back(small_run, tmp_path):
    _, prepared = small_run
    calls = []

    def build():
        calls.append(1)
        return {"n": np.arange(len(prepared.parcels))}, {"note": "x"}

    first = prepared_cache.derived(prepared.parcels, "rows", build, folder=tmp_path)
    again = prepared_cache.derived(prepared.parcels, "rows", build, folder=tmp_path)
    assert len(calls) == 1
    assert again[1] == {"note": "x"}
    np.testing.assert_array_equal(again[0]["n"], first[0]["n"])
    # a subset of rows carries the table's attrs but is not the table: built afresh
    prepared_cache.derived(prepared.parcels.iloc[:10], "rows", build, folder=tmp_path)
    assert len(calls) == 2
    # other code, other entry
    prepared_cache.derived(prepared.parcels, "rows", build, code=(build,), folder=tmp_path)
    assert len(calls) == 3


def test_map_geometry_and_pixel_index_read_back_equal(small_run):
    from ui import mapview, results

    _, prepared = small_run
    parcels = prepared.parcels
    plain = parcels.copy()
    plain.attrs = {}  # not from the cache: always computed
    cached_pixels = mapview.parcel_pixel_index(parcels)  # stored on first use
    read_pixels = mapview.parcel_pixel_index(parcels)
    fresh_pixels = mapview.parcel_pixel_index(plain)
    for pixels in (cached_pixels, read_pixels):
        np.testing.assert_array_equal(pixels.index, fresh_pixels.index)
        assert pixels.bounds == fresh_pixels.bounds
    stored = results.parcel_geometries_wgs84(parcels)
    read = results.parcel_geometries_wgs84(parcels)
    fresh = results.parcel_geometries_wgs84(plain)
    assert len(read) == len(fresh) == len(parcels)
    for i in (0, len(parcels) // 2, len(parcels) - 1):
        assert stored[i] == read[i] == fresh[i]
        assert read[i]["type"] in ("Polygon", "MultiPolygon")


def test_a_click_finds_the_same_parcel_through_the_prepared_index(small_run):
    import geopandas as gpd

    from ui import results

    _, prepared = small_run
    table = prepared.parcels.copy()
    for i in (0, 7, len(table) - 1):
        centre = gpd.GeoSeries([table.geometry.iloc[i].representative_point()],
                               crs=table.crs).to_crs(4326).iloc[0]
        via_lookup = results.parcel_at(table, centre.x, centre.y, lookup=prepared.parcels)
        direct = results.parcel_at(table, centre.x, centre.y)
        assert via_lookup.name == direct.name == table.index[i]
    assert results.parcel_at(table, 0.0, 0.0, lookup=prepared.parcels) is None
