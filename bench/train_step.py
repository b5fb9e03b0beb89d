"""Training-step speed and peak memory of percvae's own step (`percvae.training.train_step`), side by side:

  (a) pixel        : MSE + KL only (no perceptual term)
  (b) naive        : + VGG16 relu3_3 perceptual term the paper's way: VGG parameters left requiring grad, target
                     features computed with grad, NCHW, float32, no autocast
  (c) percvae      : + the same term percvae's way: frozen extractor without parameters, target features without
                     grad, channels_last, autocast where the library turns it on (CUDA: bfloat16 from compute
                     capability 8.0, float16 with a GradScaler below), the extractor in bfloat16 only where that is
                     fast (`perceptual_bf16`)
  (c') percvae_fp32: (c) with the extractor in float32

Every configuration calls the library's `setup` and `train_step` (gradient clipping, GradScaler and all), on random
batches of the preset's size. Each runs in its own process, so its peak memory is its own (peak RSS on the CPU,
torch.cuda.max_memory_allocated on a GPU). VGG16 weights are random (no download); speed does not depend on them.
`--preset quick` is the quick model (48 x 6) at batch 16 of 64 px; `--preset full` the full preset's model (64 x 16)
at batch 32 of 128 px, large enough that a GPU measures the perceptual term and not kernel launches. `--compile`
runs `torch.compile` on the model and the extractor and reports its start-up (the first step) apart.
Ends with `speedup_vs_naive: X` ((b)/(c) step time) and `perceptual_overhead: Y` ((c)/(a) step time).

    python bench/train_step.py [--device cpu|cuda] [--preset quick|full] [--steps 10] [--batch N] [--patch N] [--compile]
"""
import argparse, json, resource, subprocess, sys, time, warnings

CONFIGS = ('pixel', 'naive', 'percvae', 'percvae_fp32')
SIZES = {'quick': (16, 64), 'full': (32, 128)}          # batch, HR patch


class NaiveLoss:
    "The paper's way: a torchvision VGG16 whose parameters require grad, target features with grad, float32."
    def __init__(self, vae_loss, device, gamma=0.8):
        import torch, torchvision
        from percvae.degradation import IMAGENET_MEAN, IMAGENET_STD
        self.vae_loss, self.gamma = vae_loss, gamma
        self.vgg = torchvision.models.vgg16(weights=None).features[:16].to(device)
        self.mean = torch.tensor(IMAGENET_MEAN, device=device).view(1, 3, 1, 1)
        self.std = torch.tensor(IMAGENET_STD, device=device).view(1, 3, 1, 1)

    def __call__(self, output, hr, step=None):
        import torch.nn.functional as F
        t = self.vae_loss(output, hr, step=step)
        sr = output[0]
        perc = F.mse_loss(self.vgg((sr - self.mean) / self.std), self.vgg((hr - self.mean) / self.std))
        return {**t, 'perceptual': perc, 'total': t['total'] + self.gamma * perc}


def run_one(name, device, preset, steps, batch, patch, compile_, warmup=3):
    import torch
    from percvae.config import make_config
    from percvae.training import setup, train_step
    torch.manual_seed(0)
    fast = name != 'naive'
    cfg = make_config(preset=preset, data='samples', device=device, batch_size=batch, patch=patch, workers=0, vgg='random',
                      gamma=0.0 if name in ('pixel', 'naive') else 0.8, channels_last=fast, amp=None if fast else False,
                      perceptual_bf16=False if name == 'percvae_fp32' else None, compile=compile_ and fast)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')                     # the random-VGG warning: known, said in the summary line
        run = setup(cfg)
    if name == 'naive': run.loss_fn = NaiveLoss(run.loss_fn, run.device)
    dev = run.device
    s = cfg.scale
    lr = torch.rand(batch, 3, patch // s, patch // s)
    hr = torch.rand(batch, 3, patch, patch)
    sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)
    t0 = time.perf_counter()
    train_step(run, lr, hr, 0); sync()
    first = time.perf_counter() - t0                          # includes torch.compile's start-up
    for k in range(1, warmup): train_step(run, lr, hr, k)
    sync()
    if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for k in range(steps): terms = train_step(run, lr, hr, warmup + k)
    sync()
    dt = (time.perf_counter() - t0) / steps
    peak = torch.cuda.max_memory_allocated() / 2**20 if dev.type == 'cuda' else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    p = getattr(run.loss_fn, 'perceptual', None)
    return dict(config=name, device=str(dev), step_ms=dt * 1000, first_step_s=first, images_per_s=batch / dt, peak_mib=peak,
                perceptual_bf16=bool(p is not None and p.bf16), amp=run.amp, amp_dtype=str(run.dtype).replace('torch.', ''),
                peak_kind='cuda max_memory_allocated' if dev.type == 'cuda' else 'process peak RSS', compiled=cfg.compile,
                threads=torch.get_num_threads(), batch=batch, patch=patch, preset=preset, loss=float(terms['total']),
                gpu=torch.cuda.get_device_name(dev) if dev.type == 'cuda' else None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--device', default=None, help='cpu or cuda (default: cuda if available)')
    ap.add_argument('--preset', default='quick', choices=list(SIZES), help="the preset's model and batch size")
    ap.add_argument('--steps', type=int, default=10, help='timed steps (after 3 warm-up steps)')
    ap.add_argument('--batch', type=int, help="patches per step (default: the preset's)")
    ap.add_argument('--patch', type=int, help="HR patch size (default: the preset's)")
    ap.add_argument('--compile', action='store_true', help='torch.compile the model and the extractor (not the naive baseline)')
    ap.add_argument('--only', nargs='+', choices=CONFIGS, help='run only these configurations')
    ap.add_argument('--one', choices=CONFIGS, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.device is None:
        import torch
        a.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    batch, patch = a.batch or SIZES[a.preset][0], a.patch or SIZES[a.preset][1]
    if a.one:
        print(json.dumps(run_one(a.one, a.device, a.preset, a.steps, batch, patch, a.compile))); return
    res = {}
    for name in a.only or CONFIGS:
        cmd = [sys.executable, __file__, '--one', name, '--device', a.device, '--preset', a.preset, '--steps', str(a.steps),
               '--batch', str(batch), '--patch', str(patch)] + (['--compile'] if a.compile else [])
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode: sys.exit(f'{name} failed:\n{r.stderr[-3000:]}')
        res[name] = x = json.loads(r.stdout.strip().splitlines()[-1])
        tag = ('(a)', '(b)', '(c)', "(c')")[CONFIGS.index(name)]
        print(f"{tag:4s} {name:12s} {x['step_ms']:8.1f} ms/step  {x['images_per_s']:7.1f} images/s  peak {x['peak_mib']:7.0f} MiB "
              f"({x['peak_kind']})  first step {x['first_step_s']:.1f} s  autocast={x['amp_dtype'] if x['amp'] else 'off'} vgg_bf16={x['perceptual_bf16']} "
              f"compiled={x['compiled']}", flush=True)
    x = next(iter(res.values()))
    print(f"device {x['gpu'] or a.device}, {a.preset} preset's model, batch {batch} of {patch}x{patch} HR, VGG16 relu3_3 (RANDOM weights), "
          f"{x['threads']} threads, {a.steps} timed steps after 3 warm-up")
    if 'naive' in res and 'percvae' in res: print(f"speedup_vs_naive: {res['naive']['step_ms'] / res['percvae']['step_ms']:.2f}")
    if 'pixel' in res and 'percvae' in res: print(f"perceptual_overhead: {res['percvae']['step_ms'] / res['pixel']['step_ms']:.2f}")


if __name__ == '__main__': main()
