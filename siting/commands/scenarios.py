"""``python -m siting scenarios …``: the scenario library on the command line.

Each body takes the parsed ``args`` and the library's ``store``
(``layers.library.ScenarioStore``), built by ``siting.cli``.
"""
from __future__ import annotations

import json
import sys

from siting import clock, library
from siting import scenario as sc


def list_scenarios(args, store) -> int:
    entries = library.list_scenarios(store)
    if args.json:
        print(json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=2))
    elif not entries:
        print(f"no saved scenarios in {store.folder}")
    for e in entries if not args.json else []:
        note = f"  {e.note}" if e.note else ""
        if e.damaged:
            print(f"DAMAGED  {e.path.name}: {e.damaged}")
            continue
        print(f"{clock.display_time(e.saved_at, 'en')}  {e.name}{note}  [{e.path}]")
    return 0


def save(args, store) -> int:
    if args.scenario:
        scenario = sc.load_yaml(args.scenario)
    else:
        scenario = sc.preset(args.preset)
    saved = library.save(scenario, args.name, note=args.note or "", store=store,
                         overwrite=args.force)
    print(f"saved {saved.name!r} ({clock.display_time(saved.saved_at, 'en')}) → {saved.path}")
    return 0


def load(args, store, *, write_text) -> int:
    """``write_text(path, text)``: the atomic writer for ``--out``."""
    text = sc.dumps(library.load(args.name, store))
    if args.out:
        write_text(args.out, text)
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def duplicate(args, store) -> int:
    copy = library.duplicate(args.name, args.new_name, note=args.note, store=store)
    print(f"duplicated {args.name!r} as {copy.name!r} → {copy.path}")
    return 0


def delete(args, store) -> int:
    path = library.delete(args.name, store)
    print(f"deleted {args.name!r} ({path})")
    return 0
