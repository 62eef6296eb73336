"""The other ranking order without re-scoring: a selection-only re-rank of a result.

Switching ``shortlist.rank_by`` (score ↔ LCOE) changes which parcels are taken,
not any parcel's score, capacity, energy or cost. :func:`reselect` therefore
starts from the already-scored table of a :class:`siting.pipeline.Result` and
redoes only the selection tail of ``pipeline.evaluate``: rank, shortlist, bases
(re-formed around the same connection points: they depend on which parcels are
shortlisted), per-league totals and the summary. It equals
``pipeline.evaluate`` with the other ``rank_by`` (``tests/test_rerank.py``).
"""
from __future__ import annotations

from siting import bases as bases_mod
from siting import pipeline
from siting import shortlist as sl


def other_rank_by(rank_by: str) -> str:
    """The other ranking order: 'score' ↔ 'lcoe'."""
    return "lcoe" if rank_by == "score" else "score"


def reselect(result, rank_by: str | None = None):
    """``result`` ranked by ``rank_by`` (default: the other order), scores kept.

    Parameters
    ----------
    result : siting.pipeline.Result
        A scored run (``pipeline.evaluate``); it is not modified.
    rank_by : {'score', 'lcoe'}, optional
        The order wanted; default the one ``result`` was not ranked by.

    Returns
    -------
    siting.pipeline.Result
        Same parcels, scores, capacities and costs; new ``rank``, ``base_id``,
        shortlist, bases, league totals and summary; its scenario has ``rank_by``.
    """
    scenario = result.scenario.model_copy(deep=True)
    scenario.shortlist.rank_by = rank_by or other_rank_by(result.scenario.shortlist.rank_by)
    cfg, targets = scenario.shortlist, scenario.targets
    parcels = result.parcels.copy()
    parcels["base_id"] = None
    parcels["rank"] = sl.rank(parcels["score"].to_numpy(), parcels["lcoe"].to_numpy(),
                              parcels["flh"].to_numpy(), by=cfg.rank_by,
                              ids=parcels["parcel_id"].to_numpy())
    goal = pipeline.goal_gw(scenario)
    short = sl.select_shortlist(parcels, min_score=cfg.min_score,
                                leagues=cfg.leagues, land_types=cfg.land_types,
                                max_capacity_mw=goal * 1000.0
                                if cfg.target_multiple is not None else None,
                                group_caps_mw={g: gw * 1000.0
                                               for g, gw in targets.group_caps_gw.items()},
                                groups=targets.league_groups)
    connected = pipeline.connect_bases(short, scenario, result.connections)
    parcels.loc[short.index, "base_id"] = connected["base_id"].to_numpy()
    short = parcels.loc[short.index]
    bases = bases_mod.summarise_bases(connected, points=result.connections)
    all_leagues = sorted(parcels["league"].dropna().unique())
    leagues = sl.league_totals(short, all_leagues=all_leagues,
                               target_gw=targets.target_gw,
                               groups=targets.league_groups,
                               league_targets_gw=targets.league_targets_gw)
    out = pipeline.Result(scenario=scenario, parcels=parcels, shortlist=short, bases=bases,
                          leagues=leagues, weights=result.weights,
                          provenance=dict(result.provenance), connections=result.connections)
    out.summary = pipeline.summarise(out)
    return out
