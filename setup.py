"""Packaging for percvae. Every setting lives in `settings.ini`; this file only reads it."""
from configparser import ConfigParser
import shlex
import setuptools

config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

required = 'lib_name version description author author_email license min_python git_url keywords'.split()
missing = [k for k in required if not cfg.get(k)]
if missing: raise SystemExit(f"settings.ini is missing: {', '.join(missing)}")

# settings.ini's licence as an SPDX expression (setuptools 77 and later) or as a name and a classifier (earlier ones)
licenses = {'apache2': ('Apache-2.0', 'Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
lic_spdx, lic_name, lic_classifier = licenses.get(cfg['license'].lower(), (None, cfg['license'], None))
if lic_spdx and int(setuptools.__version__.split('.')[0]) >= 77:
    lic_args, lic_classifier = {'license_expression': lic_spdx}, None
else: lic_args = {'license': lic_name}
statuses = '1 - Planning,2 - Pre-Alpha,3 - Alpha,4 - Beta,5 - Production/Stable,6 - Mature,7 - Inactive'.split(',')
min_python = cfg['min_python']
py_versions = [v for v in '3.10 3.11 3.12 3.13'.split() if tuple(map(int, v.split('.'))) >= tuple(map(int, min_python.split('.')))]

setuptools.setup(
    name=cfg['lib_name'],
    version=cfg['version'],
    description=cfg['description'],
    keywords=cfg['keywords'],
    author=cfg['author'],
    author_email=cfg['author_email'],
    **lic_args,
    url=cfg['git_url'],
    classifiers=[f"Development Status :: {statuses[int(cfg['status']) - 1]}",
                 f"Intended Audience :: {cfg['audience']}",
                 f"Natural Language :: {cfg['language']}",
                 'Topic :: Scientific/Engineering :: Image Processing']
                + ([f'License :: {lic_classifier}'] if lic_classifier else [])
                + [f'Programming Language :: Python :: {v}' for v in py_versions],
    license_files=['LICENSE'],
    packages=setuptools.find_packages(include=[cfg['lib_path'], cfg['lib_path'] + '.*']),
    include_package_data=True,
    install_requires=shlex.split(cfg.get('requirements', '')),
    # every NAME_requirements of settings.ini but the library's own is an extra: dev, metrics, features
    extras_require={k[:-len('_requirements')]: shlex.split(v) for k, v in cfg.items() if k.endswith('_requirements')},
    python_requires='>=' + min_python,
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={
        'console_scripts': cfg.get('console_scripts', '').split(),
        'nbdev': [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"],
    },
)
