#!/usr/bin/env python
"""The course's widgets in a real JupyterLab, driven by headless Chromium through Playwright.

For each lesson that holds a widget: start JupyterLab on 127.0.0.1 (random port and token) over a
temporary copy of the lessons, open the lesson, run all cells (with IN_TEST=1, so lessons train their
small versions), then for every widget: wait until it renders, move its first slider, and require
the output it shows (images and text) to change. Screenshots of each widget before and after go to
--out. JupyterLab and the browser are stopped whatever happens.

    python tests/test_widgets.py                      # all lessons with widgets
    python tests/test_widgets.py --lessons 03_losses  # one
    python tests/test_widgets.py --images images      # also write the screenshots nbs/lessons.md shows

Needs: JupyterLab, ipywidgets, Playwright (pip) and Chromium (Debian: `apt-get install chromium`,
/usr/bin/chromium; Playwright's own browser download is not used). Exit status 0 = every widget
rendered and responded.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ['01_vae', '03_losses', '06_ablations']      # the lessons that hold widgets
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']
README_SHOTS = {'01_vae': 'widget_latent_explorer', '03_losses': 'widget_tradeoff_explorer', '06_ablations': 'widget_grid_explorer'}


def log(*a):
    print(time.strftime('%H:%M:%S'), *a, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def workspace(tmp: Path, lessons) -> Path:
    "A scratch copy of the lessons (JupyterLab autosaves; the repository's notebooks stay untouched), with the folders they read."
    nbs = tmp / 'nbs'
    nbs.mkdir()
    for name in lessons:
        shutil.copy(ROOT / 'nbs' / f'{name}.ipynb', nbs)
    shutil.copy(ROOT / 'nbs' / 'results.md', nbs)           # lesson 06 checks the results table there against the records
    shutil.copytree(ROOT / 'images', tmp / 'images')        # the lessons show the committed figures (and write none under IN_TEST)
    if (ROOT / 'bench').is_dir(): os.symlink(ROOT / 'bench', tmp / 'bench')      # lesson 06 reads the recorded runs
    settings = tmp / 'settings' / '@jupyterlab' / 'apputils-extension'
    settings.mkdir(parents=True)
    (settings / 'notification.jupyterlab-settings').write_text(json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
    nb_settings = tmp / 'settings' / '@jupyterlab' / 'notebook-extension'
    nb_settings.mkdir(parents=True)                         # every cell in the DOM (no virtual scrolling), so every widget can be found
    (nb_settings / 'tracker.jupyterlab-settings').write_text(json.dumps({'windowingMode': 'none'}))
    return nbs


def start_lab(tmp: Path, nbs: Path, port: int, token: str) -> subprocess.Popen:
    env = {**os.environ, 'IN_TEST': '1', 'JUPYTERLAB_SETTINGS_DIR': str(tmp / 'settings'),
           'JUPYTER_RUNTIME_DIR': str(tmp / 'runtime'), 'MPLBACKEND': 'module://matplotlib_inline.backend_inline'}
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={port}',
           '--ServerApp.port_retries=0', f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={nbs}',
           '--LabApp.expose_app_in_browser=True', '--ServerApp.open_browser=False']
    if hasattr(os, 'geteuid') and os.geteuid() == 0: cmd.append('--allow-root')
    proc = subprocess.Popen(cmd, env=env, cwd=nbs, stdout=open(tmp / 'jupyterlab.log', 'wb'), stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited ({proc.returncode}):\n" + (tmp / 'jupyterlab.log').read_text()[-3000:])
        try:
            with urllib.request.urlopen(f'http://127.0.0.1:{port}/api/status?token={token}', timeout=2) as r:
                if r.status == 200: return proc
        except OSError: time.sleep(0.5)
    raise TimeoutError("JupyterLab did not answer within 90 s:\n" + (tmp / 'jupyterlab.log').read_text()[-3000:])


def stop_lab(proc: subprocess.Popen | None, port: int, token: str):
    "Shut the server down through its API, then end its whole process group (kernels included)."
    if proc is None: return
    try:
        req = urllib.request.Request(f'http://127.0.0.1:{port}/api/shutdown?token={token}', method='POST')
        urllib.request.urlopen(req, timeout=5)
        proc.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired): pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try: os.killpg(proc.pid, sig)
        except ProcessLookupError: break
        try: proc.wait(timeout=5); break
        except subprocess.TimeoutExpired: continue


SHOWN = """el => { const c = el.cloneNode(true);
    c.querySelectorAll('.widget-slider, .widget-readout').forEach(s => s.remove());
    return [...el.querySelectorAll('img')].map(i => i.src).join('\\n') + '\\n' + c.textContent; }"""


def shown(output) -> str:
    "A fingerprint of what a widget shows: its images' sources and its text, leaving out the sliders (their readouts change at once)."
    return hashlib.sha1(output.evaluate(SHOWN).encode()).hexdigest()


NB = '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook'   # the notebook in the visible tab (earlier lessons stay open, hidden)
CELL_STATE = '''() => window.jupyterapp.shell.currentWidget.content.widgets
    .filter(c => c.model.type === 'code')
    .map(c => { const outs = c.model.outputs.toJSON();
                const err = outs.find(o => o.output_type === 'error');
                return {count: c.model.executionCount, error: err ? err.ename + ': ' + err.evalue : null}; })'''


def wait_idle(page, timeout: float):
    "Wait until the status bar reports the kernel Idle (the toolbar indicator turns idle too early)."
    page.locator('#jp-main-statusbar').get_by_text('Idle').first.wait_for(timeout=timeout * 1000)


def run_lesson(page, port: int, token: str, name: str, out: Path, timeout: float) -> list[dict]:
    log(f'{name}: opening')
    page.goto(f'http://127.0.0.1:{port}/lab/tree/{name}.ipynb?reset&token={token}')   # reset: do not restore the last lesson's tabs
    page.locator(NB + ' .jp-Cell').first.wait_for(timeout=60_000)
    wait_idle(page, 120)
    t0 = time.time()
    page.evaluate("window.jupyterapp.commands.execute('runmenu:run-all')")
    prompts = page.locator(NB + ' .jp-CodeCell .jp-InputPrompt')
    time.sleep(2)
    while True:                                             # until no cell is queued or running
        if not any('*' in t for t in prompts.all_text_contents()): break
        if time.time() - t0 > timeout: raise TimeoutError(f"{name}: cells still running after {timeout:.0f} s")
        time.sleep(1)
    wait_idle(page, 60)
    cells = page.evaluate(CELL_STATE)
    errors = [c['error'] for c in cells if c['error']]
    unrun = sum(c['count'] is None for c in cells)
    if unrun or errors:
        page.screenshot(path=str(out / f'{name}_failed.png'))
        raise RuntimeError(f"{name}: {unrun} of {len(cells)} code cell(s) did not run" + (f'; error: {errors[0]}' if errors else ''))
    texts = cells
    log(f'{name}: all {len(texts)} code cells ran in {time.time() - t0:.0f} s')
    cells = page.locator(NB + ' .jp-CodeCell').filter(has=page.locator('.jp-Cell-outputArea .widget-slider'))
    n = cells.count()
    if n == 0: raise RuntimeError(f"{name}: no widget with a slider rendered")
    results = []
    for i in range(n):
        cell = cells.nth(i)
        area = cell.locator('.jp-Cell-outputArea')
        area.scroll_into_view_if_needed()
        deadline = time.time() + 60                         # rendered: a slider and a figure or text to show
        while area.locator('img').count() == 0 and not area.locator('.widget-output').inner_text().strip():
            if time.time() > deadline: raise TimeoutError(f"{name}: widget {i} shows nothing after 60 s")
            time.sleep(0.5)
        before = shown(area)
        shot_before = out / f'{name}_widget{i}_before.png'
        area.screenshot(path=str(shot_before))
        slider = cell.locator('.widget-slider').first
        label = slider.locator('.widget-label').first.inner_text()
        value0 = slider.locator('.widget-readout').first.inner_text()
        handle = slider.locator('.noUi-handle').first
        handle.focus()
        page.keyboard.press('ArrowRight')                   # one step
        t1, after = time.time(), before
        while after == before and time.time() - t1 < 60:
            time.sleep(0.5)
            after = shown(area)
        while time.time() - t1 < 120:                       # the new figure drawn: kernel idle and nothing changing for 2 s
            time.sleep(2)
            now = shown(area)
            if now == after and page.locator('#jp-main-statusbar').get_by_text('Idle').count(): break
            after = now
        value1 = slider.locator('.widget-readout').first.inner_text()
        shot_after = out / f'{name}_widget{i}_after.png'
        area.screenshot(path=str(shot_after))
        ok = after != before and value1 != value0
        results.append(dict(lesson=name, widget=i, slider=label, value=(value0, value1), changed=after != before,
                            seconds=round(time.time() - t1, 1), before=str(shot_before), after=str(shot_after), ok=ok))
        log(f"{name}: widget {i}: slider '{label}' {value0} -> {value1}; output {'changed' if after != before else 'DID NOT change'} "
            f"({time.time() - t1:.1f} s)")
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--lessons', nargs='*', default=LESSONS, help='lesson names (without .ipynb)')
    ap.add_argument('--out', default=None, help='folder for screenshots (default: a new temporary folder)')
    ap.add_argument('--images', default=None, help="also copy one 'after' screenshot per lesson here (the ones nbs/lessons.md shows)")
    ap.add_argument('--chromium', default=os.environ.get('CHROMIUM', '/usr/bin/chromium'))
    ap.add_argument('--timeout', type=float, default=600, help='seconds allowed for running one lesson')
    args = ap.parse_args(argv)
    if not Path(args.chromium).is_file():
        print(f"test_widgets: no Chromium at {args.chromium}; install it (Debian: apt-get install chromium) or pass --chromium")
        return 2
    from playwright.sync_api import sync_playwright
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # killed (e.g. by `timeout`): still stop JupyterLab and the browser
    out = Path(args.out or tempfile.mkdtemp(prefix='percvae-widgets-'))
    out.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), os.urandom(16).hex()
    results, proc, failed = [], None, None
    with tempfile.TemporaryDirectory(prefix='percvae-lab-') as tmp:
        tmp = Path(tmp)
        try:
            nbs = workspace(tmp, args.lessons)
            proc = start_lab(tmp, nbs, port, token)
            log(f'JupyterLab on 127.0.0.1:{port}')
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
                try:
                    page = browser.new_page(viewport={'width': 1400, 'height': 1000})
                    page.route('**/*', lambda r: r.continue_() if r.request.url.startswith(('http://127.0.0.1', 'data:', 'blob:'))
                               else r.abort())             # loopback only
                    for name in args.lessons:
                        results += run_lesson(page, port, token, name, out, args.timeout)
                finally: browser.close()
        except Exception as e:
            failed = f'{type(e).__name__}: {e}'
            log_file = tmp / 'jupyterlab.log'
            if log_file.is_file(): shutil.copy(log_file, out / 'jupyterlab.log')
        finally: stop_lab(proc, port, token)
    (out / 'widgets.json').write_text(json.dumps(results, indent=1))
    if args.images and not failed:
        for r in results:
            if r['widget'] == 0 and r['lesson'] in README_SHOTS:
                shutil.copy(r['after'], Path(args.images) / f"{README_SHOTS[r['lesson']]}.png")
    bad = [r for r in results if not r['ok']]
    print(f"widgets: {len(results) - len(bad)} responded, {len(bad)} did not; screenshots in {out}"
          + (f"; FAILED: {failed}" if failed else ''))
    return 1 if failed or bad else 0


if __name__ == '__main__':
    sys.exit(main())
