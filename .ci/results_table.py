#!/usr/bin/env python3
"""README's results table is made from lesson 06's run records: this script writes it into nbs/index.ipynb, or checks it.

The table sits between two markers in one markdown cell of nbs/index.ipynb (`<!-- results-table ... -->` and
`<!-- /results-table -->`); README.md is made from that notebook by .ci/readme.py. The rows come from the recorded
runs in bench/ablations/runs/*.json, formatted by `percvae.ablations.results_table`; the library itself never writes
a notebook or the README.

    python .ci/results_table.py --write   # write the table into nbs/index.ipynb, then README.md (.ci/readme.py)
    python .ci/results_table.py --check   # exit 1 if index.ipynb or README.md shows another table than the records give
    python .ci/results_table.py           # print the table the records give
"""
import argparse
import difflib
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
INDEX, README, RECORDS = ROOT / 'nbs' / 'index.ipynb', ROOT / 'README.md', ROOT / 'bench' / 'ablations'


def wanted(records: Path = RECORDS) -> str:
    "The table the records give."
    from percvae.ablations import results_table
    from percvae.runner import load_records
    recs = list(load_records(records).values())
    table = results_table(recs)
    if not table: raise SystemExit(f"no 'results' runs recorded in {records}/runs: run lesson 06's slow cell first")
    return table


def table_cell(nb) -> 'nbformat.NotebookNode':
    "The markdown cell of `nb` that holds the markers."
    from percvae.ablations import table_in
    cells = [c for c in nb.cells if c.cell_type == 'markdown' and table_in(c.source) is not None]
    if len(cells) != 1: raise SystemExit(f"{INDEX} must hold the results-table markers in exactly one markdown cell, found {len(cells)}")
    return cells[0]


def write(table: str) -> bool:
    "Put `table` between the markers of index.ipynb (the begin marker's line is kept as it is), then rewrite README.md from it; True if index.ipynb changed."
    from percvae.ablations import TABLE_BEGIN, TABLE_END, table_in
    nb = nbformat.read(INDEX, as_version=4)
    cell = table_cell(nb)
    changed = table_in(cell.source) != table
    if changed:
        src = cell.source
        start = src.index('-->', src.index(TABLE_BEGIN)) + len('-->')
        cell.source = src[:start] + '\n' + table + '\n' + src[src.index(TABLE_END, start):]
        nbformat.write(nb, INDEX)
    subprocess.run([sys.executable, str(ROOT / '.ci' / 'readme.py')], check=True)
    return changed


def check(table: str) -> int:
    "0 if index.ipynb and README.md both show `table`, else 1 with a diff."
    from percvae.ablations import table_in
    shown = {'nbs/index.ipynb': table_in(table_cell(nbformat.read(INDEX, as_version=4)).source),
             'README.md': table_in(README.read_text(encoding='utf-8')) if README.exists() else None}
    bad = 0
    for name, have in shown.items():
        if have == table: continue
        bad = 1
        print(f"{name}: the results table is not what bench/ablations gives" + (' (no markers)' if have is None else ':'))
        if have is not None:
            sys.stdout.writelines(difflib.unified_diff(have.splitlines(True), table.splitlines(True), name, 'from the records', n=0))
            print()
    if bad: print('run: python .ci/results_table.py --write')
    else: print('the results table in nbs/index.ipynb and README.md is the one the records give')
    return bad


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument('--write', action='store_true', help='write the table into nbs/index.ipynb and README.md')
    g.add_argument('--check', action='store_true', help='exit 1 if they show another table than the records give')
    a = ap.parse_args(argv)
    table = wanted()
    if a.check: return check(table)
    if a.write:
        print('nbs/index.ipynb: results table ' + ('rewritten' if write(table) else 'already up to date'))
        return 0
    print(table)
    return 0


if __name__ == '__main__':
    sys.exit(main())
