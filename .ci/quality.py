#!/usr/bin/env python3
"""CI's quality gate: the quick model must beat bicubic by 3 dB (Y-PSNR, crop = scale) and in SSIM at x2.

Scored on Set5 when it is there ($PERCVAE_DATA/Set5 or ../shared/data/Set5, as `benchmark_dir` finds it), else on
the bundled held-out photos (`sample_images('valid')`, written as PNGs into WORK/valid). The model is evaluated with
`percvae_eval` (the command README shows) into WORK/eval, never inside the data folder. Prints which set it scored
on, then the line `quality_gain_db: X`, pass or fail.

    python3 .ci/quality.py --checkpoint RUN/checkpoint.pt --work EMPTY_FOLDER

Exit status: 0 the gate passed, 1 it did not, 2 it could not be scored (an error: finding the set, writing the photos,
running percvae_eval, reading metrics.json).
"""
import argparse
import json
import subprocess
import sys
import traceback
from pathlib import Path

MIN_GAIN_DB = 3.0
SCALE = 2


def eval_set(work: Path) -> tuple[str, Path]:
    "The set to score on: (its name, its folder). Any error here is an error of CI, not a missing benchmark."
    from percvae.degradation import benchmark_dir, sample_images, save_image
    set5 = benchmark_dir('Set5')
    if set5 is not None: return 'Set5', Path(set5).resolve()
    data = work / 'valid'
    imgs = sample_images('valid')
    if not imgs: raise RuntimeError("sample_images('valid') returned no images")
    for name, img in imgs.items(): save_image(img, data / f'{name}.png')
    return f"the bundled held-out photos ({', '.join(imgs)}; Set5 not found in $PERCVAE_DATA or ../shared/data)", data


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--checkpoint', required=True, help='checkpoint.pt written by percvae_train')
    ap.add_argument('--work', required=True, help='a scratch folder (made if missing) for the photos and the evaluation')
    a = ap.parse_args(argv)
    ckpt, work = Path(a.checkpoint), Path(a.work).resolve()
    if not ckpt.is_file():
        print(f"quality gate: no checkpoint at {ckpt}"); return 2
    work.mkdir(parents=True, exist_ok=True)
    name, data = eval_set(work)
    out = work / 'eval'
    if out == data or data in out.parents:                   # percvae_eval must not write into the set it reads
        print(f"quality gate: the evaluation folder {out} is inside the data folder {data}"); return 2
    print(f"quality gate on {name}: {data}", flush=True)
    cmd = ['percvae_eval', '--checkpoint', str(ckpt), '--data', str(data), '--scale', str(SCALE), '--out', str(out)]
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        print(f"quality gate: {' '.join(cmd)} failed with exit code {r.returncode}"); return 2
    m = json.loads((out / 'metrics.json').read_text())['mean']
    gain = m['psnr'] - m['bicubic_psnr']
    ok_psnr, ok_ssim = gain >= MIN_GAIN_DB, m['ssim'] > m['bicubic_ssim']
    short = 'Set5' if name == 'Set5' else 'held-out photos'
    print(f"{short} x{SCALE}: SR {m['psnr']:.2f} dB / SSIM {m['ssim']:.4f}, bicubic {m['bicubic_psnr']:.2f} dB / "
          f"{m['bicubic_ssim']:.4f}: gain {gain:+.3f} dB (needs >= +{MIN_GAIN_DB:.1f}), SSIM "
          f"{'above' if ok_ssim else 'NOT above'} bicubic's -> {'passed' if ok_psnr and ok_ssim else 'FAILED'}")
    print(f"quality_gain_db: {gain:.2f}", flush=True)
    if not ok_psnr: print(f"quality gate: the quick model beats bicubic on {short} by {gain:+.2f} dB, less than +{MIN_GAIN_DB:.1f} dB")
    if not ok_ssim: print(f"quality gate: the quick model's SSIM on {short} ({m['ssim']:.4f}) is not above bicubic's ({m['bicubic_ssim']:.4f})")
    return 0 if ok_psnr and ok_ssim else 1


if __name__ == '__main__':
    try: sys.exit(main())
    except Exception:                                         # a broken gate must fail CI, and say it broke
        traceback.print_exc()
        print('quality gate: could not be scored (the error above)')
        sys.exit(2)
