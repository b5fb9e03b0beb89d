#!/usr/bin/env python3
"""The course's results table is made from lesson 06's run records: this script writes it into nbs/results.md, or checks it.

The table sits between two markers in nbs/results.md, the course's results page (`<!-- results-table ... -->` and
`<!-- /results-table -->`). The rows come from the recorded runs in bench/ablations/runs/*.json, formatted by
`percvae.ablations.results_table`; the library itself never writes a page.

    python .ci/results_table.py --write   # write the table into nbs/results.md
    python .ci/results_table.py --check   # exit 1 if nbs/results.md shows another table than the records give
    python .ci/results_table.py           # print the table the records give
"""
import argparse
import difflib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE, RECORDS = ROOT / 'nbs' / 'results.md', ROOT / 'bench' / 'ablations'


def wanted(records: Path = RECORDS) -> str:
    "The table the records give."
    from percvae.ablations import results_table
    from percvae.runner import load_records
    recs = list(load_records(records).values())
    table = results_table(recs)
    if not table: raise SystemExit(f"no 'results' runs recorded in {records}/runs: run lesson 06's slow cell first")
    return table


def shown(page: Path = PAGE) -> str:
    "The table between the markers of `page`; exits naming the page if it has none."
    from percvae.ablations import table_in
    text = page.read_text(encoding='utf-8') if page.exists() else ''
    have = table_in(text)
    if have is None: raise SystemExit(f"{page}: no results-table markers (<!-- results-table ... --> and <!-- /results-table -->)")
    return have


def write(table: str, page: Path = PAGE) -> bool:
    "Put `table` between the markers of `page` (the begin marker's line is kept as it is); True if the page changed."
    from percvae.ablations import TABLE_BEGIN, TABLE_END
    if shown(page) == table: return False
    text = page.read_text(encoding='utf-8')
    start = text.index('-->', text.index(TABLE_BEGIN)) + len('-->')
    tmp = page.with_name(page.name + '.tmp')
    tmp.write_text(text[:start] + '\n' + table + '\n' + text[text.index(TABLE_END, start):], encoding='utf-8')
    tmp.replace(page)
    return True


def check(table: str, page: Path = PAGE) -> int:
    "0 if `page` shows `table`, else 1 with a diff."
    have = shown(page)
    name = page.relative_to(ROOT)
    if have == table:
        print(f'the results table in {name} is the one the records give')
        return 0
    print(f"{name}: the results table is not what bench/ablations gives:")
    sys.stdout.writelines(difflib.unified_diff(have.splitlines(True), table.splitlines(True), str(name), 'from the records', n=0))
    print('\nrun: python .ci/results_table.py --write')
    return 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument('--write', action='store_true', help='write the table into nbs/results.md')
    g.add_argument('--check', action='store_true', help='exit 1 if nbs/results.md shows another table than the records give')
    a = ap.parse_args(argv)
    table = wanted()
    if a.check: return check(table)
    if a.write:
        print('nbs/results.md: results table ' + ('rewritten' if write(table) else 'already up to date'))
        return 0
    print(table)
    return 0


if __name__ == '__main__':
    sys.exit(main())
