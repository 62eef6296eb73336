"""Display units (GW/TWh vs 万千瓦/亿千瓦时) and times in China Standard Time."""
from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from siting import clock, units


def test_hand_checked_conversions():
    assert units.convert(2.5, "GW", "wan") == (250.0, "万千瓦")
    assert units.convert(1.2, "TWh", "wan") == pytest.approx((12.0, "亿千瓦时"))
    assert units.convert(350.0, "MW", "wan") == (35.0, "万千瓦")
    assert units.convert(450.0, "GWh", "wan") == (4.5, "亿千瓦时")
    assert units.convert(2.5, "GW", "gw") == (2.5, "GW")
    np.testing.assert_allclose(units.convert(np.array([1.0, 0.5]), "GW", "wan")[0], [100, 50])
    with pytest.raises(ValueError, match="'kw' are not one of gw, wan"):
        units.convert(1.0, "GW", "kw")


def test_formatting():
    assert units.format_power(2.5, "gw") == "2.5 GW"
    assert units.format_power(2.5, "wan") == "250 万千瓦"
    assert units.format_power(0.5, "wan") == "50.0 万千瓦"
    assert units.format_power(300.2, "wan") == "30,020 万千瓦"
    assert units.format_energy(1.2, "gw") == "1.2 TWh/年"
    assert units.format_energy(1.2, "gw", lang="en") == "1.2 TWh/yr"
    assert units.format_energy(1.2, "wan") == "12.0 亿千瓦时/年"


def test_field_units_follow_the_choice():
    assert units.unit_of("MW", "wan") == "万千瓦"
    assert units.unit_of("GWh/yr", "wan") == "亿千瓦时/yr"
    assert units.unit_of("CNY/kWh", "wan") == "CNY/kWh"
    assert units.scale_of("GWh/yr", "wan") == 0.01 and units.scale_of("h/yr", "wan") == 1.0
    assert units.unit_text("GWh/yr", "zh") == "GWh/年"
    assert units.unit_text("亿千瓦时/yr", "zh") == "亿千瓦时/年"
    assert units.unit_text("万千瓦", "en") == "万千瓦 (10⁴ kW)"
    assert units.unit_text("CNY/kWh", "zh") == "元/kWh"


def test_summary_and_league_frame():
    texts = units.summary_texts({"capacity_gw": 2.5, "energy_twh": 1.2, "target_gw": 200},
                                "wan")
    assert texts == {"capacity": "250 万千瓦", "energy": "12.0 亿千瓦时/年",
                     "target": "20,000 万千瓦"}
    leagues = pd.DataFrame({"group": ["west", "east"], "n_parcels": [3, 1],
                            "cap_gw": [2.5, 0.4], "energy_twh": [1.2, 0.3],
                            "share_of_target": [0.0125, 0.002]},
                           index=pd.Index(["鄂尔多斯市", "通辽市"], name="league"))
    frame = units.league_frame(leagues, "wan", lang="zh", group_names={"west": "西部"})
    assert list(frame.columns) == ["盟市", "分区", "地块数", "装机（万千瓦）",
                                   "年发电量（亿千瓦时/年）", "占目标（%）"]
    assert frame["装机（万千瓦）"].tolist() == [250.0, 40.0]
    assert frame["年发电量（亿千瓦时/年）"].tolist() == [12.0, 3.0]
    assert frame["分区"].tolist() == ["西部", "east"]
    assert frame["占目标（%）"].tolist() == [1.2, 0.2]  # 1.25 rounds half to even
    en = units.league_frame(leagues, "gw", lang="en")
    assert list(en.columns) == ["league", "parcels", "capacity (GW)", "energy (TWh/yr)",
                                "share of target (%)"]


def test_times_are_shown_in_china_standard_time():
    assert clock.display_time("2026-12-01T02:53:10+00:00") == "2026-12-01 10:53 (北京时间)"
    assert clock.display_time("2026-12-01T10:53:10+08:00", "en") == "2026-12-01 10:53 CST (UTC+8)"
    # before offsets were stored, stamps were UTC
    assert clock.display_time("2026-11-30T20:05:00") == "2026-12-01 04:05 (北京时间)"
    assert clock.display_time(datetime(2026, 12, 1, 16, 30, tzinfo=UTC)) == \
        "2026-12-02 00:30 (北京时间)"
    assert clock.display_time("") == "" and clock.display_time("yesterday") == "yesterday"
    assert clock.now_iso().endswith("+08:00")


def test_library_stores_beijing_time_and_sorts_mixed_offsets(tmp_path):
    from layers.library import ScenarioStore
    from siting import library
    from siting import scenario as sc

    store = ScenarioStore(tmp_path)
    late_utc = datetime(2020, 1, 2, 3, 0, tzinfo=UTC)           # 11:00 Beijing
    early_cst = datetime(2020, 1, 2, 10, 0, tzinfo=clock.CST)   # 02:00 UTC
    library.save(sc.preset("default"), "late", store=store, saved_at=late_utc)
    library.save(sc.preset("default"), "early", store=store, saved_at=early_cst)
    now = library.save(sc.preset("default"), "now", store=store)
    assert now.saved_at.endswith("+08:00")
    # "2020-01-02T10:00:00+08:00" > "2020-01-02T03:00:00+00:00" as text, but earlier in time
    assert [e.name for e in library.list_scenarios(store)] == ["now", "late", "early"]
    assert clock.display_time(library.entry("late", store).saved_at) == \
        "2020-01-02 11:00 (北京时间)"
