"""Inner Mongolia new-energy base siting engine (内蒙古新能源基地选址).

Pure functions over arrays and GeoDataFrames; file I/O lives in ``layers/``,
the exporters, the CLI (``python -m siting``) and ``app.py``.
"""

__version__ = "0.1.0"
