"""CSV and briefing in the chosen display units (GW/TWh or 万千瓦/亿千瓦时) and Beijing time."""
from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest

from siting import fields as fl
from siting.errors import SitingError
from siting.outputs import briefing, tables
from siting.outputs import text as out_text
from tests.test_export import boundaries, make_result, to_bytes


@pytest.fixture(scope="module")
def result():
    return make_result()


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")


def test_labels_follow_the_units():
    assert fl.label("cap_mw", "zh", units="wan") == "装机容量 (万千瓦)"
    assert fl.label("energy_gwh", "zh", units="wan") == "年发电量 (亿千瓦时/年)"
    assert fl.label("energy_gwh", "zh") == "年发电量 (GWh/年)"
    assert fl.label("lcoe", "zh") == "平准化度电成本 (元/kWh)"
    assert fl.label("energy_gwh", "en", units="wan") == "Annual energy (亿千瓦时 (10⁸ kWh)/yr)"
    assert fl.display_scale("cap_mw", "wan") == 0.1
    assert fl.display_scale("energy_gwh", "wan") == 0.01
    assert fl.display_scale("lcoe", "wan") == 1.0


def test_csv_in_wan_kw_has_scaled_values_and_chinese_headers(result):
    gw = read_csv(tables.csv_bytes(result, header="zh"))
    wan = read_csv(tables.csv_bytes(result, units="wan", header="zh"))
    assert list(wan.columns[:5]) == ["地块编号", "盟市", "旗县区", "经度 (°E)",
                                     "纬度 (°N)"]
    # 1 万千瓦 = 10 MW; 1 亿千瓦时 = 100 GWh
    np.testing.assert_allclose(wan["装机容量 (万千瓦)"], result.shortlist["cap_mw"] / 10)
    np.testing.assert_allclose(wan["年发电量 (亿千瓦时/年)"],
                               result.shortlist["energy_gwh"] / 100)
    np.testing.assert_allclose(gw["装机容量 (MW)"], result.shortlist["cap_mw"])
    # everything else unchanged
    np.testing.assert_allclose(wan["综合评分 (0-100)"], result.shortlist["score"])
    np.testing.assert_allclose(wan["平准化度电成本 (元/kWh)"], gw["平准化度电成本 (元/kWh)"])


def test_csv_hand_checked_value(result):
    first_mw = float(result.shortlist["cap_mw"].iloc[0])
    wan = read_csv(tables.csv_bytes(result, units="wan", header="en"))
    assert wan["Capacity (万千瓦 (10⁴ kW))"].iloc[0] == pytest.approx(first_mw / 10)


def test_csv_code_headers_rename_scaled_columns(result):
    codes = read_csv(tables.csv_bytes(result, units="wan"))
    assert "cap_wkw" in codes.columns and "energy_ykwh" in codes.columns
    assert "cap_mw" not in codes.columns and "score" in codes.columns
    default = read_csv(to_bytes(result, "csv")[1])
    assert list(default.columns[:5]) == ["parcel_id", "league", "banner", "lon", "lat"]


def test_csv_bad_options_say_what_is_allowed(result):
    with pytest.raises(SitingError, match="'kw' are not one of gw, wan"):
        tables.csv_bytes(result, units="kw")
    with pytest.raises(SitingError, match="CSV header 'de' is not one of code, zh, en"):
        tables.csv_bytes(result, header="de")


def test_provenance_time_is_beijing_time(result):
    text = tables.provenance_text(result)
    assert re.search(r"生成时间 generated: \d{4}-\d\d-\d\d \d\d:\d\d 北京时间 / CST \(UTC\+8\)",
                     text)
    assert out_text.generated_at().endswith("+08:00")


def test_briefing_table_in_wan_kw():
    # the hand-made result: base B001 holds 2,700 MW and 4,550 GWh (270 万千瓦, 45.5 亿千瓦时);
    # the shortlist 3,400 MW and 5,750 GWh (340 万千瓦, 57.5 亿千瓦时)
    table = briefing.briefing_table(make_result(), units="wan")
    assert list(table.columns) == ["基地", "主要盟市", "并网点", "土地类型", "容量 万千瓦",
                                   "年发电 亿千瓦时", "评分"]
    assert table.iloc[0].tolist() == ["B001", "鄂尔多斯市", "", "沙漠戈壁", "270", "45.5", "90"]
    assert table.iloc[-1].tolist()[4:6] == ["340", "57.5"]
    gw = briefing.briefing_table(make_result())
    assert gw.iloc[0].tolist()[4:6] == ["2.7", "4.5"]  # 4.55 TWh to 0.1 (binary 4.5499…)


def test_briefing_target_line_in_wan_kw():
    line = briefing.target_line(make_result(), units="wan")
    assert line.startswith("入选合计 340 万千瓦 = 2030年目标 20,000 万千瓦 的 2%")


def test_briefing_slide_table_uses_the_units():
    from pptx import Presentation

    data = briefing.render(make_result(), "pptx", units="wan", **boundaries())
    shapes = list(Presentation(io.BytesIO(data)).slides[0].shapes)
    table = next(s.table for s in shapes if s.has_table)
    assert table.cell(0, 4).text == "容量 万千瓦" and table.cell(1, 4).text == "270"
    with pytest.raises(SitingError, match="'kw' are not one of gw, wan"):
        briefing.render(make_result(), "png", units="kw", **boundaries())
