"""Time the prepared-parcel cache and an exclusion change, in one run (issue 15).

Usage: ``python benchmarks/cache.py [--resolution 1000] [--parcel-size 5]``. Prints, on
the embedded region with a fresh cache folder:

1. the baseline: a full ``pipeline.prepare`` (what every change cost before);
2. the same inputs again through ``siting.inputs.prepared_cache`` (a cache hit);
3. a red-line buffer change (only the exclusion columns recomputed, exact overlay): the
   app's exclusion change (issue 15 target ≤ 3 s at the default 1 km grid); then a second
   change of the same source, and back to the first setting;
4. with ``--raster``, the same change with the rasterised exclusions (50 m,
   ``exclusions_method="raster"``; minutes on the whole region).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def timed(label, func, baseline=None):
    start, cpu = time.perf_counter(), time.process_time()
    out = func()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    ratio = f"  ({seconds / baseline:.2f}× the baseline)" if baseline else ""
    # CPU time of this process: less sensitive than wall time to other work on the machine
    print(f"{label:<58} {seconds:7.2f} s, CPU {cpu:6.2f} s{ratio}", flush=True)
    return out, seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=float, default=1000.0)
    parser.add_argument("--parcel-size", type=float, default=5.0)
    parser.add_argument("--raster", action="store_true",
                        help="also time the change with the rasterised exclusions")
    args = parser.parse_args(argv)

    from siting import features, pipeline
    from siting import scenario as sc
    from siting.inputs import load_run_inputs, prepared_cache

    inputs = load_run_inputs(sc.preset("default"))
    scenario = sc.from_dict({"resolution_m": args.resolution,
                             "parcel_size_km": args.parcel_size})
    changed = sc.from_dict({**scenario.model_dump(),
                            "exclusions": {**scenario.exclusions.model_dump(),
                                           "redline_buffer_km": 2.0}})
    with tempfile.TemporaryDirectory() as folder:
        first, base = timed("baseline: pipeline.prepare (cold)",
                            lambda: pipeline.prepare(inputs, scenario))
        print(f"  {len(first.parcels):,} parcels at {args.resolution:g} m")
        timed("prepared_cache.prepare, cold (computes + stores)",
              lambda: prepared_cache.prepare(inputs, scenario, folder=Path(folder)), base)
        timed("prepared_cache.prepare, same inputs (hit)",
              lambda: prepared_cache.prepare(inputs, scenario, folder=Path(folder)), base)
        timed("red-line buffer 0 → 2 km via the cache (exact)",
              lambda: prepared_cache.prepare(inputs, changed, folder=Path(folder)), base)
        again = sc.from_dict({**scenario.model_dump(),
                              "exclusions": {**scenario.exclusions.model_dump(),
                                             "redline_buffer_km": 5.0}})
        timed("red-line buffer 2 → 5 km via the cache (exact)",
              lambda: prepared_cache.prepare(inputs, again, folder=Path(folder)), base)
        timed("red-line buffer 5 → 2 km, in memory (replace_exclusions)",
              lambda: features.replace_exclusions(first, inputs, changed), base)
        if args.raster:
            timed("red-line buffer change, rasterised exclusions 50 m",
                  lambda: features.replace_exclusions(first, inputs, changed,
                                                      exclusions_method="raster"), base)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
