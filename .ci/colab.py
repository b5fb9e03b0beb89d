#!/usr/bin/env python3
"""Colab, simulated: every lesson's set-up cell and first imports run as they would in a fresh Colab runtime, offline.

What stands for Colab:
* the kernel's Python: a venv that sees this Python's packages (torch, torchvision, scikit-image... as Colab ships
  them) except percvae itself (a development install of it would answer every import) and the packages Colab pins
  differently, which the venv gets from the index as Colab has them: ipywidgets 7.7.1 and a current fastcore (2.x);
* the kernel: IPython's InteractiveShell, started with `google.colab` imported (a stub module), the working folder
  at <tmp>/content and that folder first on sys.path, as Colab has /content;
* the clone: the set-up cell's own `git clone` of the course's GitHub URL, redirected by git's url.insteadOf (set
  through GIT_CONFIG_* variables) to a bare copy of this repository's HEAD (--worktree: of the working tree as it
  is, uncommitted files included); git may use no protocol but file://;
* the place: the set-up cell reads $PERCVAE_COLAB_ROOT (default /content), set here to <tmp>/content. A cell that
  predates the variable (--cell-from-git) has its '/content/' literals pointed there instead, and nothing else changed;
* the network: none for pip either (PIP_NO_INDEX): percvae installs from the clone with --no-deps, and what the cell
  installs besides (lpips, the EfficientNet-Lite0 extra, fastcore, tqdm) must already be there, as pip finds it
  ("Requirement already satisfied"), so this Python needs percvae's dev extra. pip builds the editable install the
  PEP 517/660 way (the only way from pip 25.3), without build isolation, which would download setuptools.

Then, in one fresh interpreter per notebook: lesson 00 first (a fresh runtime: the cell clones and installs), then
the other lessons 00-06 and any other notebook that opens with the set-up cell (a restarted runtime: percvae is
installed, /content still comes first). In each, the set-up cell runs twice (a re-run), then the cells after it up
to and including the first code cell that imports from percvae. Any error fails the run (an ImportError is named
as such), as does percvae imported from anywhere but the clone, or a package whose version the cells changed.

    python .ci/colab.py                          # the notebooks' own set-up cells, at HEAD (CI: about 1-2 min)
    python .ci/colab.py --worktree               # the working tree as it is, uncommitted changes included
    python .ci/colab.py --cell-from-git 6e19b28  # every set-up cell replaced by the one of that commit's lesson 00
    python .ci/colab.py --cell-current           # ... by the one .ci/lessons.py writes now (before --write)
    python .ci/colab.py --cell-file my_cell.py   # ... by the one in my_cell.py
"""
import argparse
import json
import os
import re
import shutil
import site
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / '.ci'))
from lessons import MARK, settings, setup_cell  # noqa: E402

COLAB_PINS = ['ipywidgets==7.7.1', 'fastcore>=2.2.22']          # what Colab ships and percvae's dev install has otherwise
HIDDEN = re.compile(r'^(__editable__[._]+percvae|percvae[-.]|percvae$|fastcore|ipywidgets|widgetsnbextension|jupyterlab_widgets)',
                    re.IGNORECASE)
LESSON = re.compile(r'^0[0-6]_.*\.ipynb$')
IMPORTS_PERCVAE = re.compile(r'^\s*(from\s+percvae[\s.]|import\s+percvae\b)', re.M)

KERNEL = r'''
import json, os, sys, traceback
cells, root = json.load(open(sys.argv[1])), sys.argv[2]
sys.path[0] = os.getcwd()                          # Colab: /content first on sys.path, and the working folder
import google.colab                                # the kernel of Colab has it imported
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_line_magic('colors', 'nocolor')             # plain tracebacks in CI's log
for i, (what, src) in enumerate(cells):
    print(f'--- cell {i}: {what}', flush=True)
    r = shell.run_cell(src)
    err = r.error_before_exec or r.error_in_exec
    if err is not None:
        kind = 'IMPORT ERROR' if isinstance(err, ImportError) else 'ERROR'
        print(f'{kind} in cell {i} ({what}): {type(err).__name__}: {err}', flush=True)
        sys.exit(3 if isinstance(err, ImportError) else 4)
import percvae
if percvae.__file__ is None:
    print(f'ERROR: percvae is a namespace package made of {list(percvae.__path__)}, not the package in the clone'); sys.exit(5)
where = os.path.realpath(percvae.__file__)
if where != os.path.realpath(os.path.join(root, 'percvae', '__init__.py')):
    print(f'ERROR: percvae came from {where}, not from the clone {root}'); sys.exit(5)
print(f'percvae from {where}; working folder {os.getcwd()}', flush=True)
'''


def sh(cmd, **kw) -> str:
    r = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)
    if r.returncode:
        raise SystemExit(f"COLAB SIMULATION: could not set up: {' '.join(map(str, cmd))}\n{r.stdout[-3000:]}{r.stderr[-3000:]}")
    return r.stdout


def host_site() -> Path:
    return Path(next(p for p in site.getsitepackages() if p.endswith('-packages') and Path(p, 'torch').is_dir()))


def make_venv(tmp: Path) -> Path:
    "The kernel's Python: a venv with this Python's packages (filtered) and Colab's pins; returns its python."
    venv, shadow = tmp / 'venv', tmp / 'host-site'
    sh([sys.executable, '-m', 'venv', str(venv)])
    shadow.mkdir()
    for p in host_site().iterdir():
        if not HIDDEN.match(p.name): (shadow / p.name).symlink_to(p)
    py = venv / 'bin' / 'python'
    venv_site = Path(sh([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
    (venv_site / '_colab_host_packages.pth').write_text(f'import site; site.addsitedir({str(shadow)!r})\n')
    stubs = tmp / 'stubs' / 'google' / 'colab'               # google/ stays a namespace package (google.protobuf...)
    stubs.mkdir(parents=True)
    (stubs / '__init__.py').write_text('"A stand-in for Colab\'s google.colab module."\n')
    (venv_site / '_colab_stubs.pth').write_text(str(tmp / 'stubs') + '\n')
    if 'setuptools' in sh([str(py), '-m', 'pip', 'list', '--path', str(venv_site), '--format=freeze']):   # Python < 3.12 puts an old one in
        sh([str(py), '-m', 'pip', 'uninstall', '-q', '-y', 'setuptools'])                            # the venv: torch wants this Python's
    sh([str(py), '-m', 'pip', 'install', '-q', '--disable-pip-version-check'] + COLAB_PINS)
    return py


def packages(py: Path) -> dict:
    out = sh([str(py), '-m', 'pip', 'list', '--format=json', '--disable-pip-version-check'])
    return {p['name'].lower(): p['version'] for p in json.loads(out)}


def snapshot(origin: Path, worktree: bool) -> str:
    "A bare repository at `origin` whose main branch is HEAD, or the working tree as a commit on HEAD; returns the commit."
    sh(['git', 'init', '-q', '--bare', str(origin)])
    sh(['git', 'symbolic-ref', 'HEAD', 'refs/heads/main'], cwd=origin)
    commit = sh(['git', 'rev-parse', 'HEAD'], cwd=ROOT).strip()
    if worktree:                                  # a private index: the repository's own index and files are not touched
        env = {**os.environ, 'GIT_INDEX_FILE': str(origin.parent / 'worktree-index')}
        sh(['git', 'read-tree', 'HEAD'], cwd=ROOT, env=env)
        sh(['git', 'add', '-A'], cwd=ROOT, env=env)
        tree = sh(['git', 'write-tree'], cwd=ROOT, env=env).strip()
        commit = sh(['git', '-c', 'user.name=colab-sim', '-c', 'user.email=colab-sim@localhost', 'commit-tree', tree,
                     '-p', commit, '-m', 'working tree'], cwd=ROOT).strip()
    sh(['git', 'push', '-q', str(origin), f'{commit}:refs/heads/main'], cwd=ROOT)
    return commit


def notebook(commit: str, path: str):
    return nbformat.reads(sh(['git', 'show', f'{commit}:{path}'], cwd=ROOT), as_version=4)


def first_cells(nb, cell: str | None) -> list[tuple[str, str]] | None:
    "The set-up cell (twice) and the cells up to the first that imports from percvae (none if no cell does); None if `nb` has no set-up cell."
    code = [c.source for c in nb.cells if c.cell_type == 'code']
    if not code or not code[0].startswith(MARK): return None
    setup = cell if cell is not None else code[0]
    out = [('set-up', setup), ('set-up, run again', setup)]
    for src in code[1:]:
        out.append(('import' if IMPORTS_PERCVAE.search(src) else 'before the first percvae import', src))
        if IMPORTS_PERCVAE.search(src): return out
    return out[:2]                    # a notebook that imports nothing from percvae (percvae.checks' own): the cell alone


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--worktree', action='store_true', help='clone the working tree as it is, not HEAD')
    g = ap.add_mutually_exclusive_group()
    g.add_argument('--cell-from-git', metavar='REV', help="use REV's set-up cell (nbs/00_degradation.ipynb's) in every notebook")
    g.add_argument('--cell-current', action='store_true', help='use the set-up cell .ci/lessons.py writes now in every notebook')
    g.add_argument('--cell-file', metavar='FILE', help='use the set-up cell in FILE in every notebook (to try a change)')
    ap.add_argument('--keep', action='store_true', help='keep the temporary folder')
    a = ap.parse_args(argv)
    t0, tmp = time.time(), Path(tempfile.mkdtemp(prefix='percvae-colab-'))
    try:
        content = tmp / 'content'
        content.mkdir()
        cell = None
        if a.cell_current: cell = setup_cell()
        elif a.cell_file: cell = Path(a.cell_file).read_text()
        elif a.cell_from_git:
            cell = next(c.source for c in notebook(a.cell_from_git, 'nbs/00_degradation.ipynb').cells if c.cell_type == 'code')
            if 'PERCVAE_COLAB_ROOT' not in cell: cell = cell.replace("'/content/", f"'{content}/")
        commit = snapshot(tmp / 'origin.git', a.worktree)
        names = sorted(Path(p).name for p in sh(['git', 'ls-tree', '--name-only', commit, 'nbs/'], cwd=ROOT).split())
        lessons = [n for n in names if LESSON.match(n)]
        if [n[:2] for n in lessons] != [f'0{i}' for i in range(7)]: raise SystemExit(f'COLAB SIMULATION: expected lessons 00-06, found {lessons}')
        runs = {}
        for n in names:
            if not n.endswith('.ipynb') or n == 'index.ipynb': continue
            cells = first_cells(notebook(commit, f'nbs/{n}'), cell)
            if cells is None and LESSON.match(n): raise SystemExit(f'COLAB SIMULATION: {n} does not open with the set-up cell')
            if cells is not None: runs[n] = cells
        print(f'Colab simulation of {commit[:7]}' + (' (the working tree)' if a.worktree else '')
              + (f', set-up cell of {a.cell_from_git}' if a.cell_from_git else ', set-up cell of .ci/lessons.py' if a.cell_current
                 else f', set-up cell of {a.cell_file}' if a.cell_file else '')
              + f": {len(runs)} notebooks ({', '.join(runs)})", flush=True)

        py = make_venv(tmp)
        before = packages(py)
        print(f"kernel venv ready in {time.time() - t0:.0f} s: torch {before.get('torch')}, fastcore {before.get('fastcore')}, "
              f"ipywidgets {before.get('ipywidgets')}, percvae {before.get('percvae', 'not installed')}", flush=True)
        (tmp / 'kernel.py').write_text(KERNEL)
        url = settings()['git_url']
        env = {k: v for k, v in os.environ.items() if not k.startswith(('PIP_', 'PYTHON', 'VIRTUAL_ENV', 'GIT_'))}
        env.update(PERCVAE_COLAB_ROOT=str(content), PYTHONNOUSERSITE='1', MPLBACKEND='Agg',
                   GIT_CONFIG_COUNT='1', GIT_CONFIG_KEY_0=f'url.file://{tmp / "origin.git"}.insteadOf', GIT_CONFIG_VALUE_0=url,
                   GIT_ALLOW_PROTOCOL='file', GIT_TERMINAL_PROMPT='0',
                   PIP_NO_INDEX='1', PIP_USE_PEP517='1', PIP_NO_BUILD_ISOLATION='0',   # (pip reads NO_BUILD_ISOLATION=0 as "no isolation")
                   PIP_DISABLE_PIP_VERSION_CHECK='1')
        failed = []
        for n in sorted(runs, key=lambda n: (n != lessons[0], n)):
            t = time.time()
            (tmp / f'{n}.json').write_text(json.dumps(runs[n]))
            r = subprocess.run([str(py), str(tmp / 'kernel.py'), str(tmp / f'{n}.json'), str(content / 'percvae')], cwd=content,
                               env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600)
            ok = r.returncode == 0
            print(f"{'ok  ' if ok else 'FAIL'} {n} ({time.time() - t:.0f} s)" + ('' if ok else f', exit code {r.returncode}'), flush=True)
            if not ok:
                failed.append(n)
                print('    ' + '\n    '.join((r.stdout + r.stderr).strip().splitlines()[-12:]))
        after = packages(py)
        changed = {k: f'{v} -> {after.get(k, "removed")}' for k, v in before.items() if after.get(k) != v}
        added = sorted(f'{k} {v}' for k, v in after.items() if k not in before)
        print(f"packages the cells added: {', '.join(added) or 'none'}")
        if changed: print(f'the set-up cells changed packages Colab ships: {changed}')
        print(f'Colab simulation: {len(runs) - len(failed)} passed, {len(failed)} failed, in {time.time() - t0:.0f} s')
        return 1 if failed or changed else 0
    finally:
        if a.keep: print(f'kept {tmp}')
        else: shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
