#!/usr/bin/env python
"""Time percvae's SSIM against scikit-image's, on Set14 (Y channel, border crop 2).

Each HR image is degraded (BI, x2) and upsampled by bicubic; both implementations then score the same
(SR, HR) pairs. percvae runs in torch (float32, centred, valid separable filtering); scikit-image runs
`structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False)` in float64, one
image at a time. The values must agree to 1e-4, or the script exits with an error.

    python bench/metrics.py [--data FOLDER] [--repeats 5] [--lpips]

With --lpips it also times `percvae.metrics.lpips` on the same pairs (needs the optional lpips package; AlexNet
with its ImageNet weights when they are in torch's cache, else a random AlexNet, and it says which). The last line
is `ssim_speedup_vs_skimage: X` (median skimage time / median percvae time, CPU).
"""
import argparse
import platform
import statistics
import sys
import time

import torch
from skimage.metrics import structural_similarity

from percvae.degradation import SRPairs, benchmark_dir, bicubic, sample_images
from percvae.metrics import rgb_to_y, ssim

SCALE = CROP = 2


def load_pairs(data):
    "(name, sr, hr) for each image: HR modcropped, SR = bicubic x2 of the BI-degraded HR."
    return [(name, bicubic(lr, SCALE), hr) for name, lr, hr in SRPairs(data, SCALE, mode='bicubic').named_pairs()]


def skimage_ssim(sr, hr):
    "scikit-image's SSIM on the Y channel with the border crop, float64."
    y = lambda t: rgb_to_y(t.double())[0, CROP:-CROP, CROP:-CROP].numpy()
    return structural_similarity(y(hr), y(sr), data_range=1.0, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False)


def timed(fn, repeats, sync=lambda: None):
    "Median wall time of `fn()` over `repeats` runs after one warm-up, and its last result."
    res = fn(); sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); res = fn(); sync(); times.append(time.perf_counter() - t0)
    return statistics.median(times), res


def lpips_timings(pairs, repeats):
    "Print how long percvae's LPIPS takes on `pairs`, image by image."
    import warnings
    import lpips as lpips_package
    from percvae.metrics import lpips, lpips_weights_file
    if lpips_weights_file().is_file(): net, which = 'alex', 'ImageNet AlexNet'
    else:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            net, which = lpips_package.LPIPS(net='alex', pnet_rand=True, verbose=False), 'RANDOM AlexNet: no ImageNet weights in the cache'
    t, _ = timed(lambda: [lpips(sr, hr, net=net) for _, sr, hr in pairs], repeats)
    print(f'lpips, image by image ({which}) : {t * 1e3:8.1f} ms')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', help='folder of HR images (default: Set14 from $PERCVAE_DATA or ../shared/data)')
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--lpips', action='store_true', help='also time percvae.metrics.lpips (needs the lpips package)')
    args = ap.parse_args()

    data = args.data or benchmark_dir('Set14')
    if data is None:
        print('Set14 not found: using the bundled scikit-image photos instead', file=sys.stderr)
        data = sample_images('all')
    pairs = load_pairs(data)
    npix = sum(hr.shape[-2] * hr.shape[-1] for _, _, hr in pairs)
    print(f'# {len(pairs)} images ({npix / 1e6:.2f} Mpixel), bicubic x{SCALE} (BI) vs HR, Y channel, crop {CROP}')
    print(f'# {platform.processor() or platform.machine()}, torch {torch.__version__} with {torch.get_num_threads()} threads')

    t_sk, ref = timed(lambda: [skimage_ssim(sr, hr) for _, sr, hr in pairs], args.repeats)
    t_pv, ours = timed(lambda: [ssim(sr, hr, crop_border=CROP, y_channel=True).item() for _, sr, hr in pairs], args.repeats)
    err = max(abs(a - b) for a, b in zip(ours, ref))
    print(f'skimage, per image (float64)      : {t_sk * 1e3:8.1f} ms')
    print(f'percvae, per image (CPU, float32) : {t_pv * 1e3:8.1f} ms   max |diff| {err:.1e}')

    # the batched case: every image centre-cropped to a common size, one call for the whole set
    side = min(min(hr.shape[-2:]) for _, _, hr in pairs)
    cc = lambda t: t[..., (t.shape[-2] - side) // 2:(t.shape[-2] - side) // 2 + side,
                     (t.shape[-1] - side) // 2:(t.shape[-1] - side) // 2 + side]
    sr_b, hr_b = torch.stack([cc(sr) for _, sr, _ in pairs]), torch.stack([cc(hr) for _, _, hr in pairs])
    t_skb, ref_b = timed(lambda: [skimage_ssim(s, h) for s, h in zip(sr_b, hr_b)], args.repeats)
    t_pvb, ours_b = timed(lambda: ssim(sr_b, hr_b, crop_border=CROP, y_channel=True), args.repeats)
    err_b = (ours_b - torch.tensor(ref_b, dtype=torch.float64)).abs().max().item()
    print(f'batch of {len(pairs)} x {side}x{side}: skimage {t_skb * 1e3:.1f} ms, percvae {t_pvb * 1e3:.1f} ms '
          f'({t_skb / t_pvb:.2f}x), max |diff| {err_b:.1e}')

    if torch.cuda.is_available():
        sync = torch.cuda.synchronize
        sr_g, hr_g = sr_b.cuda(), hr_b.cuda()
        t_gpu, ours_g = timed(lambda: ssim(sr_g, hr_g, crop_border=CROP, y_channel=True), args.repeats, sync)
        err_g = (ours_g.cpu() - torch.tensor(ref_b, dtype=torch.float64)).abs().max().item()
        print(f'batch on {torch.cuda.get_device_name()}: {t_gpu * 1e3:.2f} ms ({t_skb / t_gpu:.1f}x skimage), '
              f'max |diff| {err_g:.1e}')

    if args.lpips: lpips_timings(pairs, args.repeats)

    if max(err, err_b) > 1e-4:
        sys.exit(f'FAIL: percvae and scikit-image SSIM differ by {max(err, err_b):.1e} > 1e-4')
    print(f'ssim_speedup_vs_skimage: {t_sk / t_pv:.2f}')


if __name__ == '__main__':
    main()
