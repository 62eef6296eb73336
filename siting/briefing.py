"""Compatibility facade for callers not yet moved to ``siting.outputs.briefing``
(app.py, some tests): the boundaries default to the run's (``siting.inputs``).
To be deleted once they pass ``leagues``/``province`` themselves.
"""
from __future__ import annotations

from siting.outputs import briefing as _b
from siting.outputs.briefing import *  # noqa: F403
from siting.outputs.briefing.figure import _draw_map  # noqa: F401
from siting.outputs.formats import SNAPSHOT_FORMATS as FORMATS  # noqa: F401


def _boundaries(result, leagues=None, province=None) -> dict:
    from siting.inputs import briefing_boundaries

    found = briefing_boundaries(result.scenario) if leagues is None or province is None else {}
    return {"leagues": found.get("leagues") if leagues is None else leagues,
            "province": found.get("province") if province is None else province}


def read_boundaries(layer_id: str, overrides: dict | None = None):
    """A boundary layer in Albers, simplified for drawing (bundled or overridden)."""
    from types import SimpleNamespace

    from siting.inputs import briefing_boundaries

    scenario = SimpleNamespace(layers=overrides or {})
    return _b.prepare_boundaries(briefing_boundaries(scenario)[layer_id])


def figure(result, *, leagues=None, province=None, **options):
    """``siting.outputs.briefing.figure`` with the run's boundaries by default."""
    b = _boundaries(result, leagues, province)
    return _b.figure(result, b["leagues"], b["province"], **options)


def render_all(result, formats=FORMATS, *, leagues=None, province=None, **options):
    """``siting.outputs.briefing.render_all`` with the run's boundaries by default."""
    return _b.render_all(result, formats, **_boundaries(result, leagues, province), **options)


def render(result, fmt, *, leagues=None, province=None, **options) -> bytes:
    """``siting.outputs.briefing.render`` with the run's boundaries by default."""
    return _b.render(result, fmt, **_boundaries(result, leagues, province), **options)
