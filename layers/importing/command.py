"""``python -m siting import``: the command behind the CLI's ``import`` subparser."""
from __future__ import annotations

import json
import sys

from layers.importing.limits import default_limits
from layers.importing.report import _print_summary
from layers.importing.store import import_file


def cmd_import(args) -> int:
    """``python -m siting import``: 0 after storing the layer.

    ``args`` is the argparse Namespace ``siting.cli`` builds (``path``, ``role``,
    ``name``, ``crs``, ``encoding``, ``layer``, ``workspace``, ``max_upload_mb``,
    ``replace``, ``json``). Bad input raises ``LayerError``; the CLI's one
    handler prints it and exits 2.
    """
    summary = import_file(args.path, args.role, name=args.name, crs=args.crs,
                          encoding=args.encoding, layer=args.layer,
                          workspace_dir=args.workspace,
                          limits=default_limits(args.max_upload_mb), replace=args.replace)
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_summary(summary, sys.stdout)
    return 0


