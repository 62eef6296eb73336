"""The prepared-parcel cache: same inputs read back identically, any input change misses,
the store stays under its size limit, a damaged entry is recomputed (issue 15)."""
import dataclasses
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from layers import parcel_cache
from siting import pipeline, prepared_cache
from siting import scenario as sc


@pytest.fixture(scope="module")
def small_run(small_inputs, tmp_path_factory):
    """(folder, prepared) of the fixture region, computed once into a fresh cache."""
    folder = tmp_path_factory.mktemp("cache")
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
    direct = pipeline.prepare(small_inputs, changed)
    pd.testing.assert_frame_equal(pd.DataFrame(cached.parcels.drop(columns="geometry")),
                                  pd.DataFrame(direct.parcels.drop(columns="geometry")),
                                  check_exact=True)
    assert cached.exclusion_area_km2 == direct.exclusion_area_km2
    assert "x_cropland_pv" not in cached.parcels
