"""Time the briefing snapshot on the default run: PNG + PDF against the 10 s target.

Usage: ``python benchmarks/briefing.py [--tech solar]``. The pipeline run is
not timed; the briefing is timed with the run's boundaries, as the CLI passes them.
"""
from __future__ import annotations

import argparse
import io
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: perf.md target: PNG 300 dpi + PDF in at most 10 s, PDF at most 10 MB.
TARGET_SECONDS = 10.0
TARGET_PDF_MB = 10.0


def main(argv=None) -> int:
    from siting import pipeline
    from siting import scenario as sc
    from siting.inputs import briefing_boundaries, load_run_inputs
    from siting.outputs import briefing

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tech", default="solar", choices=sc.TECHS)
    args = parser.parse_args(argv)

    scenario = sc.from_dict({"tech": args.tech})
    start = time.perf_counter()
    inputs = load_run_inputs(scenario)
    result = pipeline.run(inputs, scenario)
    boundaries = briefing_boundaries(scenario, inputs)
    print(f"pipeline ({args.tech}): {time.perf_counter() - start:.1f} s, "
          f"{len(result.parcels)} parcels, {len(result.shortlist)} shortlisted, "
          f"{len(result.bases)} bases (not part of the timing)")

    start = time.perf_counter()
    out = briefing.render_all(result, ("png", "pdf"), **boundaries)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    pptx = briefing.render(result, "pptx", **boundaries)
    pptx_seconds = time.perf_counter() - start

    from PIL import Image

    with Image.open(io.BytesIO(out["png"])) as image:
        png_px = f"{image.width} × {image.height} px"
    pdf_mb = len(out["pdf"]) / 1e6
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "OK" if seconds <= TARGET_SECONDS and pdf_mb <= TARGET_PDF_MB else "OVER TARGET"
    print(f"PNG + PDF: {seconds:.1f} s (target ≤ {TARGET_SECONDS:g} s) {verdict}")
    print(f"  PNG {len(out['png']) / 1e6:.2f} MB, {png_px}; PDF {pdf_mb:.2f} MB "
          f"(target ≤ {TARGET_PDF_MB:g} MB)")
    print(f"PPTX (figure again + slide): {pptx_seconds:.1f} s, {len(pptx) / 1e6:.2f} MB")
    print(f"peak RSS of the process: {peak_mb:.0f} MB")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    raise SystemExit(main())
