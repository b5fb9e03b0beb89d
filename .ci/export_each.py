#!/usr/bin/env python3
"""Exporting any one notebook on its own must leave every module as the full export left it.

nbdev 2 appends `#| export NAME` cells to a module that another notebook opened with `#| default_exp`, so a layout
where two notebooks write one module silently duplicates code when a single notebook is exported. percvae keeps one
notebook per module; this check holds it to that: after a full `nbdev_export`, each notebook is exported alone
(`nbdev_export --path`) and every file under percvae/ must be byte for byte what it was. Files are restored after
each notebook, so one failure does not hide the next.

    python .ci/export_each.py        # exit 1 naming each notebook whose lone export changed a module
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / 'percvae'


def snapshot() -> dict:
    return {p.relative_to(ROOT): p.read_bytes() for p in sorted(LIB.glob('*.py'))}


def main() -> int:
    subprocess.run(['nbdev_export'], cwd=ROOT, check=True)
    base, bad = snapshot(), []
    notebooks = sorted(p for p in (ROOT / 'nbs').glob('*.ipynb') if not p.name.startswith('_'))
    for nb in notebooks:
        subprocess.run(['nbdev_export', '--path', str(nb)], cwd=ROOT, check=True, capture_output=True)
        now = snapshot()
        changed = sorted(str(k) for k in base.keys() | now.keys() if base.get(k) != now.get(k))
        if changed: bad.append(f"{nb.name}: exporting it alone changed {', '.join(changed)}")
        for k, v in base.items(): (ROOT / k).write_bytes(v)          # as the full export left them
        for k in now.keys() - base.keys(): (ROOT / k).unlink()
    for line in bad: print(line)
    print(f"exported {len(notebooks)} notebooks one at a time: {'every module unchanged' if not bad else f'{len(bad)} changed a module'}")
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
