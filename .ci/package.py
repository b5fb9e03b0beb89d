#!/usr/bin/env python3
"""percvae builds as a package: an sdist, then a wheel built from that sdist, which installs and imports away from the repository.

1. `python -m build` makes the sdist from a clean copy of the repository (the files git tracks or would track, as
   a fresh clone has them: no egg-info left by an earlier build, whose file list setuptools would reuse), then the
   wheel from the unpacked sdist, so a file that setup.py needs and MANIFEST.in leaves out (settings.ini, README.md)
   fails here; the sdist must hold LICENSE.
2. The wheel must hold every module of percvae/ and the licence, and its requirements must let Colab keep the
   fastcore it ships (any fastcore from 1.12.3 through the current 2.x).
3. A venv with --system-site-packages (torch and the rest come from this Python: nothing is downloaded) gets the
   wheel with --no-deps; every module of the wheel is imported there, in isolated mode from outside the repository
   (not from the repository, nor from an editable install of it), and the console scripts answer --help.

By default the build runs without build isolation (this Python's setuptools, offline; setup.py imports nothing else);
--isolation builds the way pip would, in a fresh environment with setuptools from the index.

    python .ci/package.py              # about 15 s
    python .ci/package.py --keep       # leave the sdist, the wheel and the venv in the printed folder
"""
import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SDIST_MUST_HOLD = ['setup.py', 'settings.ini', 'README.md', 'LICENSE']
SCRIPTS = ['percvae_train', 'percvae_eval', 'percvae_upscale']


def run(cmd, log: Path, **kw):
    "Run `cmd`, its output into `log`; on failure print the log's tail and stop."
    with open(log, 'w') as f: r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **kw)
    if r.returncode:
        print(''.join(log.read_text().splitlines(True)[-30:]))
        raise SystemExit(f"PACKAGE CHECK FAILED: {' '.join(map(str, cmd))} (exit code {r.returncode}; log {log})")


def fail(msg: str): raise SystemExit(f'PACKAGE CHECK FAILED: {msg}')


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--isolation', action='store_true', help='build in an isolated environment (downloads setuptools)')
    ap.add_argument('--keep', action='store_true', help='keep the temporary folder')
    a = ap.parse_args(argv)
    t0, tmp = time.time(), Path(tempfile.mkdtemp(prefix='percvae-package-'))
    try:
        dist, src = tmp / 'dist', tmp / 'src'
        files = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.split('\0')
        for f in filter(None, files):
            if (ROOT / f).is_file():
                (src / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / f, src / f)
        # 1. sdist, then the wheel from the sdist (what `python -m build` does with no --sdist/--wheel)
        run([sys.executable, '-m', 'build', '--outdir', str(dist)] + ([] if a.isolation else ['--no-isolation']) + [str(src)],
            tmp / 'build.log')
        sdists, wheels = sorted(dist.glob('*.tar.gz')), sorted(dist.glob('*.whl'))
        if len(sdists) != 1 or len(wheels) != 1: fail(f'expected one sdist and one wheel in {dist}, found {[p.name for p in dist.iterdir()]}')
        sdist, wheel = sdists[0], wheels[0]
        with tarfile.open(sdist) as tf: in_sdist = {n.split('/', 1)[1] for n in tf.getnames() if '/' in n}
        missing = [f for f in SDIST_MUST_HOLD if f not in in_sdist]
        if missing: fail(f'{sdist.name} lacks {missing} (MANIFEST.in)')
        print(f'built {sdist.name} ({sdist.stat().st_size // 1024} KiB) and, from it, {wheel.name} ({wheel.stat().st_size // 1024} KiB)')

        # 2. the wheel's contents and requirements
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
            meta = Parser().parsestr(zf.read(next(n for n in names if n.endswith('.dist-info/METADATA'))).decode())
        modules = sorted(n[:-3].replace('/', '.') for n in names if n.startswith('percvae/') and n.endswith('.py'))
        want = sorted(f'percvae.{p.stem}' for p in (ROOT / 'percvae').glob('*.py'))
        if modules != want: fail(f'the wheel holds {modules}, percvae/ holds {want}')
        if not any(n.endswith('LICENSE') for n in names): fail(f'{wheel.name} holds no LICENSE')
        from packaging.requirements import Requirement
        base = [Requirement(r) for r in meta.get_all('Requires-Dist') or [] if 'extra ==' not in r]
        for r in base:
            if r.name == 'fastcore' and not all(r.specifier.contains(v) for v in ('1.12.3', '2.2.22')):
                fail(f"the library requires {r}: it must accept fastcore 1.12.3 through 2.x (Colab's); pins belong in dev_requirements")
        print(f"wheel: {len(modules)} modules, LICENSE; requires {', '.join(map(str, base))}; extras {meta.get_all('Provides-Extra')}")

        # 3. install it alone into a venv that borrows this Python's packages, and import it from there
        venv = tmp / 'venv'
        run([sys.executable, '-m', 'venv', '--system-site-packages', str(venv)], tmp / 'venv.log')
        py = venv / 'bin' / 'python'
        run([str(py), '-m', 'pip', 'install', '-q', '--no-deps', '--no-index', '--force-reinstall', '--disable-pip-version-check', str(wheel)],
            tmp / 'install.log')
        probe = ('import importlib, sys\n'
                 'mods = sys.argv[1:]\n'
                 'for m in mods: importlib.import_module(m)\n'
                 'import percvae\n'
                 'print(percvae.__file__)\n')
        r = subprocess.run([str(py), '-I', '-c', probe] + [m for m in modules if m != 'percvae.__main__'], cwd=tmp,
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if r.returncode: print(r.stdout + r.stderr); fail('the installed wheel does not import (above)')
        where = Path(r.stdout.strip().splitlines()[-1])
        if venv not in where.parents: fail(f'percvae was imported from {where}, not from the venv the wheel went into')
        print(f'imported {len(modules) - 1} modules from {where.parent}')
        for s in SCRIPTS:
            r = subprocess.run([str(venv / 'bin' / s), '--help'], cwd=tmp, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            if r.returncode: print(r.stdout[-2000:] + r.stderr[-2000:]); fail(f'{s} --help exits {r.returncode} from the installed wheel')
        print(f"{', '.join(SCRIPTS)} --help answer from the installed wheel")
        print(f'package check passed in {time.time() - t0:.0f} s')
        return 0
    finally:
        if a.keep: print(f'kept {tmp}')
        else: shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
