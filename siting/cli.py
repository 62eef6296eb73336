"""Command-line interface: ``python -m siting COMMAND``.

Bad input ends with a one-line message on stderr and exit code 2, never a
traceback.
"""
from __future__ import annotations

import argparse
import json
import sys

from siting.errors import SitingError

EXIT_BAD_INPUT = 2


def _cmd_layers(args) -> int:
    from layers.catalog import load_catalog

    rows = [info.summary() for info in load_catalog().values()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        where = r["path"] + (f"#{r['layer']}" if "layer" in r else "")
        print(f"{r['id']:<{width}}  {r['role']:<14} {r['kind']:<6} {r['provenance']:<14} "
              f"{r['name_zh']} / {r['name_en']}  [{where}]")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m siting``."""
    parser = argparse.ArgumentParser(
        prog="python -m siting",
        description="内蒙古新能源基地选址 / Inner Mongolia new-energy base siting")
    sub = parser.add_subparsers(dest="command", required=True)
    p_layers = sub.add_parser("layers", help="list the layers of the catalog")
    p_layers.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p_layers.set_defaults(func=_cmd_layers)
    return parser


def main(argv=None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SitingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
