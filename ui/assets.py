"""Serve Leaflet from the app itself, so the map draws with no internet.

Leaflet comes from the pip package ``xstatic-leaflet``; at start the app
copies it into ``static/leaflet`` which Streamlit serves at
``/app/static/leaflet/`` (``enableStaticServing`` in ``.streamlit/config.toml``).
No third-party JavaScript is committed to the repository.
"""
from __future__ import annotations

import shutil
from pathlib import Path

APP_DIR = Path(__file__).resolve().parents[1]
STATIC_DIR = APP_DIR / "static"
#: URL prefix Streamlit serves ``static/`` under. Absolute: a relative path
#: would resolve against the map component's iframe and 404 (perf.md).
STATIC_URL = "/app/static"
LEAFLET_FILES = ("leaflet.js", "leaflet.css", "images")


def leaflet_source_dir() -> Path:
    """Folder of Leaflet inside the installed ``xstatic-leaflet`` package."""
    import xstatic.pkg.leaflet as xleaflet

    return Path(xleaflet.BASE_DIR)


def install_leaflet(static_dir: Path = STATIC_DIR) -> Path:
    """Copy Leaflet into ``static_dir/leaflet`` if it is not there yet; return it."""
    target = static_dir / "leaflet"
    if all((target / name).exists() for name in LEAFLET_FILES):
        return target
    source = leaflet_source_dir()
    tmp = static_dir / "leaflet.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    for name in LEAFLET_FILES:
        src = source / name
        if src.is_dir():
            shutil.copytree(src, tmp / name)
        else:
            shutil.copy2(src, tmp / name)
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    return target


def leaflet_js_url() -> str:
    """URL of leaflet.js as served by the app."""
    return f"{STATIC_URL}/leaflet/leaflet.js"


def leaflet_css_url() -> str:
    """URL of leaflet.css as served by the app."""
    return f"{STATIC_URL}/leaflet/leaflet.css"
