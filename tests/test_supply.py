"""The supply curve: bases by LCOE with the running GW, independent of how bases form."""
import io

import numpy as np
import pandas as pd
import pytest

from siting import supply
from siting.bases import summarise_bases
from tests.test_export import make_result


def bases_table():
    """Four bases, not in cost order; C and D cost the same, E has no LCOE."""
    return pd.DataFrame({"base_id": ["B001", "B002", "B003", "B004", "B005"],
                         "league": ["阿拉善盟", "包头市", "赤峰市", "鄂尔多斯市", "兴安盟"],
                         "cap_mw": [5000.0, 3000.0, 2000.0, 4000.0, 1000.0],
                         "energy_gwh": [15000.0, 9500.0, 5000.0, 11000.0, 0.0],
                         "lcoe": [0.16, 0.14, 0.18, 0.18, np.nan]})


def test_supply_curve_by_hand():
    curve = supply.supply_curve(bases_table())
    assert list(curve.columns) == supply.SUPPLY_COLUMNS
    # cheapest first; equal LCOE: the larger base first; no LCOE last
    assert curve["base_id"].tolist() == ["B002", "B001", "B004", "B003", "B005"]
    assert curve["cum_gw"].tolist() == pytest.approx([3.0, 8.0, 12.0, 14.0, 15.0])


def test_supply_curve_is_monotonic_and_sums_to_the_bases():
    rng = np.random.default_rng(3)
    n = 40
    bases = pd.DataFrame({"base_id": [f"B{i:03d}" for i in range(n)],
                          "league": rng.choice(["阿拉善盟", "包头市"], n),
                          "cap_mw": rng.uniform(1000, 16000, n),
                          "energy_gwh": rng.uniform(2000, 50000, n),
                          "lcoe": rng.choice([0.12, 0.15, 0.2], n)})
    curve = supply.supply_curve(bases)
    assert np.all(np.diff(curve["lcoe"]) >= 0)
    assert np.all(np.diff(curve["cum_gw"]) > 0)
    assert curve["cum_gw"].iloc[-1] == pytest.approx(bases["cap_mw"].sum() / 1000)
    shuffled = supply.supply_curve(bases.sample(frac=1.0, random_state=1))
    assert shuffled["base_id"].tolist() == curve["base_id"].tolist()


def test_supply_curve_of_a_run_sums_to_the_shortlisted_base_capacity():
    result = make_result()
    curve = supply.supply_curve(result.bases)
    in_bases = result.shortlist[result.shortlist["base_id"].notna()]
    assert curve["cum_gw"].iloc[-1] == pytest.approx(in_bases["cap_mw"].sum() / 1000)
    assert result.summary["bases_capacity_gw"] == pytest.approx(curve["cum_gw"].iloc[-1])


def test_supply_curve_reads_any_base_table():
    # bases formed some other way (here: one base per league) give a valid curve too
    short = make_result().shortlist.copy()
    short["base_id"] = short["league"].map({"鄂尔多斯市": "X1", "阿拉善盟": "X2"})
    curve = supply.supply_curve(summarise_bases(short))
    assert sorted(curve["base_id"]) == ["X1", "X2"]
    assert curve["cum_gw"].iloc[-1] == pytest.approx(short["cap_mw"].sum() / 1000)


def test_empty_supply_curve():
    curve = supply.supply_curve(bases_table().iloc[:0])
    assert curve.empty and list(curve.columns) == supply.SUPPLY_COLUMNS
    assert supply.cost_at_capacity(curve, 1.0) is None


def test_capacity_at_cost_and_cost_at_capacity():
    curve = supply.supply_curve(bases_table())
    assert supply.capacity_at_cost(curve, 0.16) == pytest.approx(8.0)
    assert supply.cost_at_capacity(curve, 8.0) == pytest.approx(0.16)
    assert supply.cost_at_capacity(curve, 8.1) == pytest.approx(0.18)
    assert supply.cost_at_capacity(curve, 100.0) is None


def test_supply_curve_csv_has_a_bom_and_the_columns():
    data = supply.supply_curve_csv(supply.supply_curve(bases_table()))
    assert data.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(table.columns) == supply.SUPPLY_COLUMNS
    assert table["league"].iloc[0] == "包头市"


def test_write_run_writes_the_supply_curve(tmp_path):
    from siting import outputs

    outputs.write_run(make_result(), tmp_path)
    table = pd.read_csv(tmp_path / "supply_curve.csv", encoding="utf-8-sig")
    assert table["base_id"].tolist() == ["B001"]
    assert (tmp_path / "supply_curve.csv").read_bytes().startswith(b"\xef\xbb\xbf")
