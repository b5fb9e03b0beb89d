#!/usr/bin/env python
"""README.md is made from nbs/index.ipynb: this script writes it, checks it, or prints its set-up commands.

nbdev's own `nbdev_readme` renders through Quarto, which cannot be installed offline; the README only needs the
notebook's markdown and code as GitHub-flavoured Markdown, so this does that directly:
markdown cells are copied, code cells become ```python blocks (cells marked `#| hide` are left out), and links
written relative to nbs/ (`../images/x.png`, `00_x.ipynb`, the pages `gpu.md`...) are rewritten relative to the repository root.

    python .ci/readme.py            # write README.md
    python .ci/readme.py --check    # exit 1 if README.md is not what index.ipynb gives
    python .ci/readme.py --commands # print the commands of the "Install and test" section, one a line
"""
import difflib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB, README = ROOT / 'nbs' / 'index.ipynb', ROOT / 'README.md'
HEADER = '<!-- Generated from nbs/index.ipynb by .ci/readme.py: edit the notebook, not this file. -->\n\n'


def fix_links(md: str) -> str:
    "Rewrite Markdown links that are relative to nbs/ so that they work from the repository root."
    md = re.sub(r'\]\(\.\./', '](', md)                                       # ../images/x.png -> images/x.png
    md = re.sub(r'\]\((\d\d_[\w-]+\.ipynb)', r'](nbs/\1', md)                  # 00_x.ipynb -> nbs/00_x.ipynb
    return re.sub(r'\]\(([\w-]+\.md)', r'](nbs/\1', md)                          # gpu.md -> nbs/gpu.md (the course's pages)


def render(nb_path: Path = NB) -> str:
    "The README text made from the notebook at `nb_path`."
    cells = json.loads(nb_path.read_text(encoding='utf-8'))['cells']
    parts = []
    for c in cells:
        src = ''.join(c['source']).strip()
        if not src: continue
        if c['cell_type'] == 'markdown': parts.append(fix_links(src))
        elif c['cell_type'] == 'code':
            lines = src.splitlines()
            if any(l.strip().replace(' ', '') in ('#|hide', '#|exporti') for l in lines): continue
            code = '\n'.join(l for l in lines if not l.lstrip().startswith('#|')).strip()
            if code: parts.append(f'```python\n{code}\n```')
    return HEADER + '\n\n'.join(parts) + '\n'


def setup_commands(text: str) -> list[str]:
    "The commands in the first ```sh block of the 'Install and test' section."
    sec = text.split('## Install and test', 1)
    if len(sec) < 2: raise SystemExit("README.md has no '## Install and test' section")
    m = re.search(r'```sh\n(.*?)```', sec[1], re.S)
    if not m: raise SystemExit("README.md's 'Install and test' section has no ```sh block")
    return [l.strip() for l in m.group(1).splitlines() if l.strip() and not l.strip().startswith('#')]


def main(argv):
    want = render()
    if '--commands' in argv:
        print('\n'.join(setup_commands(README.read_text(encoding='utf-8'))))
    elif '--check' in argv:
        have = README.read_text(encoding='utf-8') if README.exists() else ''
        if have != want:
            sys.stdout.writelines(difflib.unified_diff(have.splitlines(True), want.splitlines(True),
                                                       'README.md', 'from nbs/index.ipynb', n=1))
            raise SystemExit('README.md is out of step with nbs/index.ipynb: run python .ci/readme.py')
        print('README.md is in step with nbs/index.ipynb')
    else:
        README.write_text(want, encoding='utf-8')
        print(f'wrote {README.relative_to(ROOT)}')


if __name__ == '__main__':
    main(sys.argv[1:])
