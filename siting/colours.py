"""The one colour ramp of the 0-100 score, shared by the app map, the briefing
(PNG/PDF/PPTX) and the KMZ export.

Meaning, everywhere: low score = red, middle = pale yellow, high score = dark
green (ColorBrewer RdYlGn, 5 classes). Red never means "good". Parcels that
score 0 (excluded or too small) are not drawn on this ramp: the app hides
them, the briefing greys them out (``siting.outputs.briefing.EXCLUDED_COLOUR``).
"""
from __future__ import annotations

import math

#: Score ramp stops at scores 0, 25, 50, 75, 100 (ColorBrewer RdYlGn-5).
SCORE_RAMP = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
#: Score range the ramp spans.
SCORE_MIN, SCORE_MAX = 0.0, 100.0
#: Number of classes where a classed colour is needed (shortlist, KMZ styles):
#: 10 classes of 10 points, each coloured at its midpoint.
SCORE_CLASSES = 10


def score_cmap():
    """The score ramp as a matplotlib colour map over 0-1 (score / 100)."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("siting_score", list(SCORE_RAMP))


def score_rgba(score: float) -> tuple[float, float, float, float]:
    """RGBA (0-1) of a score on the ramp; scores outside 0-100 are clipped."""
    fraction = min(max((float(score) - SCORE_MIN) / (SCORE_MAX - SCORE_MIN), 0.0), 1.0)
    return tuple(float(c) for c in score_cmap()(fraction))


def score_hex(score: float) -> str:
    """``#rrggbb`` of a score on the ramp."""
    from matplotlib.colors import to_hex

    return to_hex(score_rgba(score))


def score_class(score) -> int:
    """Class 0-9 of a score (0-10 → 0, …, 90-100 → 9); NaN or None → 0."""
    if score is None or not math.isfinite(score):
        return 0
    width = (SCORE_MAX - SCORE_MIN) / SCORE_CLASSES
    return int(min(SCORE_CLASSES - 1, max(0, (score - SCORE_MIN) // width)))


def class_colours() -> list[str]:
    """``#rrggbb`` of each score class, taken at the class midpoint (5, 15, …, 95)."""
    width = (SCORE_MAX - SCORE_MIN) / SCORE_CLASSES
    return [score_hex(SCORE_MIN + (i + 0.5) * width) for i in range(SCORE_CLASSES)]


def gradient_css() -> str:
    """CSS ``linear-gradient`` of the ramp, low on the left (for legends)."""
    return f"linear-gradient(to right, {', '.join(SCORE_RAMP)})"
