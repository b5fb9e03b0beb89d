#!/usr/bin/env python3
"""Every lesson opens with the same set-up cell, so that it runs unchanged in Colab and locally.

The cell: in Colab, clone the course (the lessons read ../images and ../bench) into /content/percvae
($PERCVAE_COLAB_ROOT/percvae where that is set: the Colab simulation, .ci/colab.py, sets it) and change into its nbs/;
unless percvae is installed already (by the cell, earlier in the runtime), install only the requirements Colab does
not ship (COLAB_SHIPS: its torch, torchvision, ipywidgets 7.7, scikit-image, matplotlib... work, and pip must never
upgrade or downgrade them: a new torch breaks Colab's CUDA build, ipywidgets 8 its widgets; pip leaves a requirement
that is already satisfied as it is), then percvae from the clone with --no-deps, last, so that a failed install is
tried again on the next run. Colab's kernel has /content first on sys.path, where the clone's folder `percvae` (no
__init__.py) passes for a namespace package: so the cell puts the clone first on sys.path (also after a restart,
when an editable install's finder would come too late) and forgets a namespace `percvae` already imported.
Elsewhere, pip installs percvae with its requirements if no real percvae package (one with an __init__.py) is
importable. Then the cell picks the GPU if there is one and fixes the seed. Under nbdev_test percvae is installed
and nothing slow happens. The repository URL and the requirements come from settings.ini (the library's, its
metrics and features extras), so --check fails when they change and the cell does not.

--check also holds every notebook to the course's shape: no code cell before a lesson's Appendix (a markdown heading
that begins with "Appendix"), and none in a reference notebook (04a_config...), is longer than 25 lines or 2,000
characters (a step a reader can hold: the course aims at 20 lines; the set-up cell keeps to it too), no cell holds a
control character (a stray \a or \b where LaTeX's \alpha or \beta was meant), and no cell speaks of issues: lessons
speak of the course only.

    python .ci/lessons.py --check   # CI: the set-up cell first, the shape above, no stored widget state; README links each to Colab
    python .ci/lessons.py --write   # put (or refresh) the cell in every lesson, and refresh it where another notebook opens with it
    python .ci/lessons.py --colab   # the Colab link of each lesson (what README.md shows)
"""
import argparse
import configparser
import re
import shlex
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
MARK = '# Set-up, the same in Colab and locally'
COLAB_SHIPS = {'torch', 'torchvision', 'numpy', 'pillow', 'matplotlib', 'ipywidgets', 'scikit-image'}  # in a working version


def settings() -> dict:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / 'settings.ini')
    return dict(cfg['DEFAULT'])


def colab_pins() -> list[str]:
    "The requirements (settings.ini: the library's and its metrics and features extras) that Colab does not ship: the only ones the set-up cell installs there."
    name = lambda r: re.split(r'[<>=!~;\[ ]', r, maxsplit=1)[0].lower().replace('_', '-')
    s = settings()
    reqs = [r for k in ('requirements', 'metrics_requirements', 'features_requirements') for r in shlex.split(s.get(k, ''))]
    return [r for r in reqs if name(r) not in COLAB_SHIPS]


def setup_cell() -> str:
    url = settings()['git_url']
    return f"""{MARK}: in Colab, fetch the course and install only what
# Colab lacks (its torch, torchvision, ipywidgets stay); else install percvae if missing; pick the GPU, fix the seed.
import importlib, importlib.metadata, importlib.util, os, subprocess, sys
COLAB = 'google.colab' in sys.modules
pip = [sys.executable, '-m', 'pip', 'install', '-q']
if COLAB:
    root = os.path.join(os.environ.get('PERCVAE_COLAB_ROOT', '/content'), 'percvae')
    if not os.path.isdir(root):
        subprocess.run(['git', 'clone', '-q', '--depth', '1', '{url}', root], check=True)
    os.chdir(os.path.join(root, 'nbs'))
    try: importlib.metadata.version('percvae')                      # installed: by this cell, earlier in this runtime
    except importlib.metadata.PackageNotFoundError:                  # what Colab has already stays as it is
        subprocess.run(pip + {colab_pins()!r}, check=True)
        subprocess.run(pip + ['--no-deps', '-e', root], check=True)
    # /content comes first on Colab's sys.path, and there the clone's folder passes for a namespace package
    if sys.path[0] != root: sys.path.insert(0, root)
    if getattr(sys.modules.get('percvae'), '__file__', '') is None: del sys.modules['percvae']
    importlib.invalidate_caches()
elif not getattr(importlib.util.find_spec('percvae'), 'origin', None):      # none, or a folder without __init__.py
    subprocess.run(pip + ['-e', '..'], check=True)
    sys.path.insert(0, os.path.abspath('..'))
import torch
DEVICE = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
torch.manual_seed(0)
print(f'percvae lesson on {{DEVICE}}')"""


def lessons() -> list[Path]:
    return sorted(p for p in (ROOT / 'nbs').glob('[0-9][0-9]_*.ipynb'))


def setup_notebooks() -> list[Path]:
    "The lessons, and every other numbered notebook that opens with the set-up cell (a lesson's reference notebooks): all must hold the current one."
    opens = lambda p: (i := first_code(nb := nbformat.read(p, as_version=4))) is not None and nb.cells[i].source.startswith(MARK)
    return sorted(set(lessons()) | {p for p in (ROOT / 'nbs').glob('[0-9]*.ipynb') if opens(p)})


def colab_url(nb: Path) -> str:
    s = settings()
    owner_repo = s['git_url'].rstrip('/').split('github.com/')[1]
    return f"https://colab.research.google.com/github/{owner_repo}/blob/{s['branch']}/nbs/{nb.name}"


MAX_LINES, MAX_CHARS = 25, 2000     # per code cell: a lesson's before its Appendix, a reference notebook's all
CONTROL = re.compile(r'[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]')
ISSUE = re.compile(r'\bissues?\b', re.IGNORECASE)
# a picture linked from a lesson's markdown by a relative path shows in JupyterLab but not in Colab, which opens the
# notebook from GitHub alone: lessons show their figures from code (IPython.display.Image('../images/NAME.png'))
RELATIVE_IMAGE = re.compile(r'!\[[^\]]*\]\((?!https?://)[^)]+\)')


def shape_problems(path: Path) -> list[str]:
    "What breaks the course's shape in the notebook at `path`, one line each (empty: nothing)."
    nb, out, appendix = nbformat.read(path, as_version=4), [], False
    for i, c in enumerate(nb.cells):
        if c.cell_type == 'markdown' and re.match(r'\s*#+\s*Appendix', c.source): appendix = True
        n = len(c.source.splitlines())
        if c.cell_type == 'code' and not appendix:
            if n > MAX_LINES: out.append(f'{path.name} cell {i}: {n} lines of code before the Appendix (at most {MAX_LINES})')
            if len(c.source) > MAX_CHARS:
                out.append(f'{path.name} cell {i}: {len(c.source)} characters of code before the Appendix (at most {MAX_CHARS})')
        if CONTROL.search(c.source): out.append(f'{path.name} cell {i}: a control character {CONTROL.search(c.source).group()!r}')
        if ISSUE.search(c.source): out.append(f'{path.name} cell {i}: speaks of {ISSUE.search(c.source).group()!r}')
        if c.cell_type == 'markdown' and path.name != 'index.ipynb' and RELATIVE_IMAGE.search(c.source):
            out.append(f'{path.name} cell {i}: a picture by a relative link, which Colab cannot show: {RELATIVE_IMAGE.search(c.source).group()}')
    return out


def first_code(nb) -> int | None:
    return next((i for i, c in enumerate(nb.cells) if c.cell_type == 'code'), None)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument('--check', action='store_true')
    g.add_argument('--write', action='store_true')
    g.add_argument('--colab', action='store_true')
    a = ap.parse_args(argv)
    want, bad = setup_cell(), []
    for p in (lessons() if a.colab else setup_notebooks()):
        if a.colab:
            print(p.stem, colab_url(p)); continue
        nb = nbformat.read(p, as_version=4)
        i = first_code(nb)
        ok = i is not None and nb.cells[i].source == want
        if a.check and not ok: bad.append(p.name)
        if a.write and not ok:
            if i is not None and nb.cells[i].source.startswith(MARK): nb.cells[i].source = want
            else:
                cell = nbformat.v4.new_code_cell(want)
                nb.cells.insert(i if i is not None else len(nb.cells), cell)
            nbformat.write(nb, p)
            print(f'wrote the set-up cell into {p.name}')
    if a.check:                                          # GitHub's viewer breaks on stored widget state
        stored = [p.name for p in sorted((ROOT / 'nbs').glob('*.ipynb')) if 'application/vnd.jupyter.widget' in p.read_text()
                  or 'widgets' in nbformat.read(p, as_version=4).metadata]
        if stored:
            print(f"notebooks with stored widget state (GitHub cannot render them): {stored}; run nbdev_clean")
            return 1
        shape = [line for p in sorted((ROOT / 'nbs').glob('*.ipynb')) for line in shape_problems(p)]
        if shape:
            print('\n'.join(shape))
            return 1
        readme = (ROOT / 'README.md').read_text()
        missing = [p.name for p in lessons() if colab_url(p) not in readme]
        if missing:
            print(f"README.md lacks the Colab link (built from settings.ini) of {missing}; see python .ci/lessons.py --colab")
            return 1
    if bad:
        print(f"notebooks without the current set-up cell as their first code cell: {bad}; run python .ci/lessons.py --write")
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
