"""Peak memory and time of `percvae_upscale` on one large photo, tiled (the tools' default) and untiled.

A synthetic photo of --size W H pixels (smooth gradients and noise, so PNG encoding is realistic) is written to a
temporary folder and super-resolved x2 by a quick-preset model whose decoder weights are random (an untrained SR-VAE
is plain bicubic; random weights make the network do its full work). Each run is its own process, so its peak RSS
(`ru_maxrss` of the child) is the tool's own. Ends with `peak_gib_tiled: X`.

    python bench/upscale_memory.py [--size 4000 3000] [--tile 256] [--untiled]
"""
import argparse, resource, subprocess, sys, tempfile, time
from pathlib import Path


def make_inputs(folder: Path, w: int, h: int) -> tuple[Path, Path]:
    import torch
    from percvae.checkpoints import save_checkpoint
    from percvae.config import make_config
    from percvae.degradation import save_image
    from percvae.training import build_model
    from dataclasses import asdict
    g = torch.Generator().manual_seed(0)
    y, x = torch.linspace(0, 1, h).view(h, 1), torch.linspace(0, 1, w).view(1, w)
    img = torch.stack([x.expand(h, w), y.expand(h, w), (x * y)]) * 0.8 + 0.2 * torch.rand(3, h, w, generator=g)
    photo = save_image(img.clamp(0, 1), folder / 'photo.png')
    cfg = make_config(preset='quick')
    model = build_model(cfg)
    torch.nn.init.normal_(model.decoder[-2].weight, std=0.01)   # the zero-initialised last layer made non-zero
    ck = save_checkpoint(folder / 'checkpoint.pt', model=model.state_dict(), model_config=model.config, config=asdict(cfg), step=0)
    return photo, ck


def run_tool(photo: Path, ck: Path, out: Path, tile: int) -> tuple[float, float]:
    "Run percvae_upscale in a child process: (seconds, peak RSS of the child in GiB)."
    t0 = time.time()
    r = subprocess.run([sys.executable, '-m', 'percvae', 'upscale', str(photo), '--checkpoint', str(ck), '--out', str(out),
                        '--tile', str(tile), '--device', 'cpu'], capture_output=True, text=True)
    if r.returncode: sys.exit(f"percvae upscale failed: {r.stderr[-2000:]}")
    return time.time() - t0, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--size', type=int, nargs=2, default=(4000, 3000), metavar=('W', 'H'))
    ap.add_argument('--tile', type=int, default=None, help="LR tile size (default: the tools' default)")
    ap.add_argument('--untiled', action='store_true', help='also run untiled (--tile 0); needs ~15 GB for 4000x3000')
    a = ap.parse_args()
    from percvae.cli import DEFAULT_TILE
    tile = a.tile or DEFAULT_TILE
    import torch
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        photo, ck = make_inputs(tmp, *a.size)
        sec, peak = run_tool(photo, ck, tmp / 'tiled', tile)
        print(f"{a.size[0]}x{a.size[1]} -> x2, tile {tile} LR px: {sec:.1f} s, peak RSS {peak:.2f} GiB "
              f"(CPU, {torch.get_num_threads()} threads, quick-preset model 48 x 6)")
        if a.untiled:      # RUSAGE_CHILDREN is the largest child so far: run the untiled one last
            sec_u, peak_u = run_tool(photo, ck, tmp / 'untiled', 0)
            print(f"untiled: {sec_u:.1f} s, peak RSS {peak_u:.2f} GiB")
        print(f"peak_gib_tiled: {peak:.2f}")


if __name__ == '__main__': main()
