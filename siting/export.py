"""Write a run's results: GeoPackage, summary JSON, the scenario YAML.

Every file is written to a temporary name in the target folder and moved into
place only when complete, so a failure never leaves a half-written result.
"""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from siting.errors import SitingError

#: Default CRS of GeoPackage and Shapefile exports: CGCS2000 (domain.md ✅).
DEFAULT_EXPORT_CRS = "EPSG:4490"


@contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _clean(gdf, crs):
    out = gdf.to_crs(crs).copy()
    for column in out.columns:
        if column != "geometry" and out[column].dtype == object:
            out[column] = out[column].astype("string")
    return out


def provenance_table(result):
    """Non-spatial table: one row per layer with its provenance, plus the scenario."""
    import pandas as pd

    from siting import scenario as sc

    rows = [{"item": layer_id, "name_zh": p.get("name_zh", ""), "name_en": p.get("name_en", ""),
             "type": p.get("type", ""), "source": p.get("source", ""),
             "licence": p.get("licence", ""), "method": p.get("method", "")}
            for layer_id, p in result.provenance.items()]
    rows.append({"item": "scenario", "name_zh": "情景", "name_en": "scenario", "type": "yaml",
                 "source": "", "licence": "", "method": sc.dumps(result.scenario)})
    return pd.DataFrame(rows)


def write_gpkg(result, path, *, crs=DEFAULT_EXPORT_CRS) -> Path:
    """``shortlist.gpkg`` with layers parcels, shortlist, bases and a provenance table."""
    import pyogrio

    path = Path(path)
    with atomic_path(path) as tmp:
        for layer, gdf in (("parcels", result.parcels), ("shortlist", result.shortlist),
                           ("bases", result.bases)):
            pyogrio.write_dataframe(_clean(gdf, crs), tmp, layer=layer, driver="GPKG",
                                    append=tmp.exists())
        table = provenance_table(result)
        pyogrio.write_dataframe(table, tmp, layer="provenance", driver="GPKG", append=True)
    return path


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_summary(result, path) -> Path:
    """``summary.json``: headline numbers, per-league totals, provenance."""
    doc = dict(result.summary)
    doc["provenance"] = {k: {"type": v.get("type"), "source": v.get("source")}
                         for k, v in result.provenance.items()}
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=_json_default)
                       + "\n", encoding="utf-8")
    return Path(path)


def write_run(result, out_dir, *, crs=DEFAULT_EXPORT_CRS) -> list[Path]:
    """The CLI's standard outputs: shortlist.gpkg, summary.json, scenario.yaml."""
    from siting import scenario as sc

    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SitingError(f"cannot create output folder {out_dir}: {exc.strerror}") from None
    return [write_gpkg(result, out_dir / "shortlist.gpkg", crs=crs),
            write_summary(result, out_dir / "summary.json"),
            sc.save_yaml(result.scenario, out_dir / "scenario.yaml")]
