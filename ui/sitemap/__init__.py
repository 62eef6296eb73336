"""The app's map: a small Streamlit component on Leaflet (``frontend/sitemap.js``).

Python sends a *spec* (``ui.mapview`` builds it): the basemap, then the layers in draw
order, each with the URL of its data in the app's static folder (``ui.map_files``) or,
for parcel layers, one colour code per parcel. The browser keeps every layer whose
description did not change, recolours a parcel layer in place when only its codes did
(a weight change loads nothing), and keeps the view. Leaflet is served by the app
(``ui.assets``); nothing is loaded from the internet unless the user picks a basemap.

The component returns the latest click, ``{"lat", "lng", "n"}`` (``n`` counts clicks).
"""
from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

FRONTEND_DIR = Path(__file__).parent / "frontend"
#: The title of the map's iframe in the page (what the browser tests look for).
COMPONENT_NAME = "ui.sitemap.site_map"

_component = components.declare_component("site_map", path=str(FRONTEND_DIR))


def site_map(spec: dict, *, key: str) -> dict | None:
    """Draw ``spec`` (see ``ui.mapview.map_spec``); returns the latest click or None."""
    return _component(spec=spec, key=key, default=None)
