"""Training-step speed and peak memory of percvae's SR-VAE, side by side:

  (a) pixel   : MSE + KL only (no perceptual term)
  (b) naive   : + VGG16 relu3_3 perceptual term the paper's way: VGG parameters left requiring grad,
                target features computed with grad, NCHW, float32
  (c) percvae : + the same term percvae's way: frozen extractor without parameters, target features
                without grad, channels_last, and the extractor in bfloat16 autocast where that is fast
                (CUDA; CPUs with AVX512-BF16/AMX), as `percvae_train` does by default (AMP for the whole
                step on CUDA)

Each configuration runs in its own process, so its peak memory is its own (peak RSS on the CPU,
torch.cuda.max_memory_allocated on a GPU). VGG16 weights are random here (no download needed);
speed does not depend on the weights. Ends with `speedup_vs_naive: X` ((b)/(c) step time) and
`perceptual_overhead: Y` ((c)/(a) step time).

    python bench/train_step.py [--device cpu|cuda] [--steps 10] [--batch 16] [--patch 64]
"""
import argparse, json, resource, subprocess, sys, time, warnings

CONFIGS = ('pixel', 'naive', 'percvae', 'percvae_fp32')   # the last: (c) with the extractor in float32, to show what bfloat16 adds

def run_one(name, device, steps, batch, patch, warmup=3):
    import torch, torch.nn.functional as F, torchvision
    from percvae.training import build_model, make_config, perceptual_bf16
    from percvae.losses import SRVAELoss, PerceptualLoss
    from percvae.features import VGGFeatures, IMAGENET_MEAN, IMAGENET_STD
    torch.manual_seed(0)
    dev = torch.device(device)
    cfg = make_config(preset='quick')
    fast = name != 'naive'
    fmt = torch.channels_last if fast else torch.contiguous_format
    model = build_model(cfg).to(dev, memory_format=fmt).train()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    amp = fast and dev.type == 'cuda'
    amp_dtype = torch.bfloat16 if dev.type == 'cuda' and torch.cuda.is_bf16_supported() else torch.float16
    vae_loss = SRVAELoss(kl_weight=1e-2)
    if name.startswith('percvae'):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            perc = PerceptualLoss(extractor=VGGFeatures('relu3_3', weights=None)).to(dev, memory_format=fmt)
        perc.bf16 = perceptual_bf16(make_config(device=device)) and name == 'percvae'
        perceptual = lambda sr, hr: perc(sr, hr)
    elif name == 'naive':
        vgg = torchvision.models.vgg16(weights=None).features[:16].to(dev)       # parameters require grad, as in the paper
        mean = torch.tensor(IMAGENET_MEAN, device=dev).view(1, 3, 1, 1); std = torch.tensor(IMAGENET_STD, device=dev).view(1, 3, 1, 1)
        perceptual = lambda sr, hr: F.mse_loss(vgg((sr - mean) / std), vgg((hr - mean) / std))   # target with grad
    else: perceptual = None
    lr = torch.rand(batch, 3, patch // 2, patch // 2, device=dev).contiguous(memory_format=fmt)
    hr = torch.rand(batch, 3, patch, patch, device=dev).contiguous(memory_format=fmt)
    def step():
        with torch.autocast(dev.type, dtype=amp_dtype, enabled=amp):
            sr, mu, logvar = model(lr, hr)
            t = vae_loss((sr.float(), mu.float(), logvar.float()), hr)
            total = t['total'] + (0.8 * perceptual(sr, hr) if perceptual is not None else 0)
        opt.zero_grad(set_to_none=True); total.backward(); opt.step()
    sync = torch.cuda.synchronize if dev.type == 'cuda' else (lambda: None)
    for _ in range(warmup): step()
    sync()
    if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    for _ in range(steps): step()
    sync()
    dt = (time.perf_counter() - t0) / steps
    peak = torch.cuda.max_memory_allocated() / 2**20 if dev.type == 'cuda' else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    bf16 = name.startswith('percvae') and perc.bf16
    return dict(config=name, device=device, step_ms=dt * 1000, images_per_s=batch / dt, peak_mib=peak, perceptual_bf16=bf16,
                peak_kind='cuda max_memory_allocated' if dev.type == 'cuda' else 'process peak RSS',
                threads=torch.get_num_threads(), amp=amp, batch=batch, patch=patch)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--device', default=None, help='cpu or cuda (default: cuda if available)')
    ap.add_argument('--steps', type=int, default=10); ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--patch', type=int, default=64); ap.add_argument('--one', choices=CONFIGS, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.device is None:
        import torch
        a.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    if a.one:
        print(json.dumps(run_one(a.one, a.device, a.steps, a.batch, a.patch))); return
    res = {}
    for name in CONFIGS:
        cmd = [sys.executable, __file__, '--one', name, '--device', a.device, '--steps', str(a.steps), '--batch', str(a.batch), '--patch', str(a.patch)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode: sys.exit(f'{name} failed:\n{r.stderr[-3000:]}')
        res[name] = json.loads(r.stdout.strip().splitlines()[-1])
        x = res[name]
        tag = ('(a)', '(b)', '(c)', "(c')")[CONFIGS.index(name)]
        print(f"{tag:4s} {name:12s} {x['step_ms']:8.1f} ms/step  {x['images_per_s']:7.1f} images/s  "
              f"peak {x['peak_mib']:7.0f} MiB ({x['peak_kind']})  amp={x['amp']} vgg_bf16={x['perceptual_bf16']}", flush=True)
    print(f"device {a.device}, batch {a.batch} of {a.patch}x{a.patch} HR, quick-preset SR-VAE, VGG16 relu3_3 (random weights), "
          f"{res['pixel']['threads']} threads, {a.steps} timed steps after 3 warm-up")
    print(f"speedup_vs_naive: {res['naive']['step_ms'] / res['percvae']['step_ms']:.2f}")
    print(f"perceptual_overhead: {res['percvae']['step_ms'] / res['pixel']['step_ms']:.2f}")

if __name__ == '__main__': main()
