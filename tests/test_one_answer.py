"""One answer everywhere: the app and the CLI give the same result for the same scenario.

The scenario the app offers for download is run through ``python -m siting run``;
the shortlist (ids in order, scores) and the headline figures must be identical.
A layer the user imports and chooses in the app changes the numbers, and the
downloaded scenario carries it.
"""
import json

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine

from siting import cli
from siting import scenario as sc
from tests.test_app import current_yaml, metric, new_app

pytestmark = [pytest.mark.slow, pytest.mark.full_region]


def _app_shortlist(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "地块编号" in d.value.columns)


def _cli_run(tmp_path, text: str):
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["run", "--scenario", str(path), "--out", str(out), "--format", "csv",
                     "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    table = pd.read_csv(out / "shortlist.csv", encoding="utf-8-sig")
    return summary, table


def test_app_and_cli_give_identical_results(tmp_path):
    at = new_app()
    at.sidebar.radio(key="w_tech").set_value("solar").run()
    at.sidebar.number_input(key="w_wt_grid").set_value(35.0).run()
    assert not at.exception, at.exception
    text = current_yaml(at)
    assert "tech: solar" in text
    summary, table = _cli_run(tmp_path, text)

    shown = _app_shortlist(at)
    assert list(shown["地块编号"]) == list(table["parcel_id"])
    score = next(c for c in shown.columns if c.startswith("综合评分"))
    np.testing.assert_allclose(shown[score].to_numpy(float), table["score"].to_numpy(float),
                               atol=0.05 + 1e-9)  # the page rounds to 0.1
    assert metric(at, "优选装机").startswith(f"{summary['capacity_gw']:.1f}")
    assert metric(at, "候选基地数") == str(summary["n_bases"])
    assert metric(at, "入选地块").replace(",", "") == str(summary["n_shortlist"])
    # the downloaded scenario is the app's scenario, field for field
    assert sc.loads(text) == sc.loads(current_yaml(at))


def _calm_wind(path, speed_ms: float):
    """A wind GeoTIFF over the whole region (0.25° cells) at one speed."""
    transform = Affine(0.25, 0, 97.0, 0, -0.25, 54.0)
    with rasterio.open(path, "w", driver="GTiff", width=120, height=68, count=1,
                       dtype="float32", crs="EPSG:4326", transform=transform) as dst:
        dst.write(np.full((68, 120), speed_ms, dtype="float32"), 1)
    return path


def test_layer_imported_and_chosen_in_the_app_is_used(tmp_path, monkeypatch):
    from layers import importer

    monkeypatch.setenv("SITING_WORKSPACE", str(tmp_path / "ws"))
    summary = importer.import_file(_calm_wind(tmp_path / "calm.tif", 5.5), "wind_speed_100m",
                                   workspace_dir=tmp_path / "ws")
    at = new_app()
    energy_before = metric(at, "年发电量")
    at.session_state["imported"] = summary.to_dict()
    at.run()
    at.button(key="imp_use").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    text = current_yaml(at)
    assert f"wind_speed_100m: {summary.path}" in text
    # 5.5 m/s everywhere: every parcel has the same, lower wind speed, so the same
    # target is met with far less energy
    assert metric(at, "年发电量") != energy_before
    cli_summary, table = _cli_run(tmp_path, text)
    assert metric(at, "优选装机").startswith(f"{cli_summary['capacity_gw']:.1f}")
    assert list(_app_shortlist(at)["地块编号"]) == list(table["parcel_id"])
    assert np.allclose(table["wind_ms"], 5.5, atol=1e-3)
