"""The errors a user can fix, as the page catches them: the engine's and the data layer's.

Every ``except`` around a user's action (a loaded scenario, an import, a save)
catches ``USER_ERRORS`` and shows ``ui.i18n.error_text(exc, lang)``; anything
else is a bug and goes to the log.
"""
from __future__ import annotations

from layers.errors import LayerError
from siting.errors import SitingError

USER_ERRORS: tuple[type[Exception], ...] = (SitingError, LayerError)
