#!/usr/bin/python3
"""One alternating GAN training step of umsynth's demo profile in PyTorch on CPU.

The same networks as org.umsynth.model.gan.GanNetworks (pix2pixHD GlobalGenerator with an image head
(tanh, 1 channel) and a segmentation head (C logits), instance norm without affine, reflection padding;
2-scale 3-layer PatchGAN on [UM, edges, image]) and the same losses (D: BCE real/fake; G: BCE GAN on every
scale + 10 L1 + 10 (soft Dice + CE)), batch 2, Adam(2e-4, 0.5, 0.999, 1e-8).

One step as GanStepBenchmarkTest times it ("--schedule dl4j", the default): G forward without gradients for
the fakes; D update on 2 real + 2 fake pairs in one minibatch; G update through D with D's parameters
frozen (G forward again, as DL4J's combined graph does). "--schedule torch" is the idiomatic PyTorch step
that reuses the first G forward for the G update (one G forward less).

Prints one machine-readable line per configuration:
  TORCH side=64 threads=1 schedule=dl4j median_ms=.. min_ms=.. max_ms=.. g_ms=.. d_ms=.. gphase_ms=.. \
      g_params=1084100 d_params=350178 torch=1.13.1
"""
import argparse
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

DEMO_G_PARAMS = 1_084_100
DEMO_D_PARAMS = 350_178


class ResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3), nn.InstanceNorm2d(ch), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3), nn.InstanceNorm2d(ch))

    def forward(self, x):
        return x + self.body(x)


class Generator(nn.Module):
    """pix2pixHD GlobalGenerator with two 7x7 heads sharing one reflection pad."""

    def __init__(self, in_ch=2, ngf=16, down=3, blocks=3, classes=3):
        super().__init__()
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_ch, ngf, 7), nn.InstanceNorm2d(ngf), nn.ReLU(True)]
        ch = ngf
        for _ in range(down):
            layers += [nn.Conv2d(ch, ch * 2, 3, stride=2, padding=1), nn.InstanceNorm2d(ch * 2), nn.ReLU(True)]
            ch *= 2
        layers += [ResBlock(ch) for _ in range(blocks)]
        for _ in range(down):
            layers += [nn.ConvTranspose2d(ch, ch // 2, 3, stride=2, padding=1, output_padding=1),
                       nn.InstanceNorm2d(ch // 2), nn.ReLU(True)]
            ch //= 2
        layers += [nn.ReflectionPad2d(3)]
        self.trunk = nn.Sequential(*layers)
        self.image_head = nn.Conv2d(ch, 1, 7)
        self.seg_head = nn.Conv2d(ch, classes, 7)

    def forward(self, x):
        h = self.trunk(x)
        return torch.tanh(self.image_head(h)), self.seg_head(h)


class PatchGan(nn.Module):
    """One pix2pixHD NLayerDiscriminator scale (no sigmoid: it is in the loss)."""

    def __init__(self, in_ch=3, ndf=16, n_layers=3):
        super().__init__()
        layers = [nn.Conv2d(in_ch, ndf, 4, stride=2, padding=2), nn.LeakyReLU(0.2, True)]
        nf = ndf
        for n in range(1, n_layers + 1):
            prev, nf = nf, min(nf * 2, 512)
            stride = 2 if n < n_layers else 1
            layers += [nn.Conv2d(prev, nf, 4, stride=stride, padding=2), nn.InstanceNorm2d(nf),
                       nn.LeakyReLU(0.2, True)]
        layers += [nn.Conv2d(nf, 1, 4, stride=1, padding=2)]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class MultiscaleDiscriminator(nn.Module):
    def __init__(self, in_ch=3, ndf=16, n_layers=3, scales=2):
        super().__init__()
        self.scales = nn.ModuleList([PatchGan(in_ch, ndf, n_layers) for _ in range(scales)])
        self.pool = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)

    def forward(self, x):
        outs = []
        for s, d in enumerate(self.scales):
            if s > 0:
                x = self.pool(x)
            outs.append(d(x))
        return outs


def init_normal(module, std=0.02):
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, std)
            nn.init.zeros_(m.bias)


def gan_loss(outputs, target):
    # PixelMeanLoss BCE: mean over patches and examples per scale, summed over scales
    return sum(F.binary_cross_entropy_with_logits(o, torch.full_like(o, target)) for o in outputs)


def dice_ce(logits, onehot, mask, smooth=1.0):
    """Per-example soft Dice over all classes (smooth 1) + masked CE, averaged over examples (DiceCeLoss)."""
    p = torch.softmax(logits, 1)
    inter = (mask * p * onehot).sum((2, 3))
    union = (mask * (p + onehot)).sum((2, 3))
    dice = (1 - (2 * inter + smooth) / (union + smooth)).mean(1)
    ce = -(mask * onehot * torch.log_softmax(logits, 1)).sum((1, 2, 3)) / mask.sum((1, 2, 3)).clamp_min(1)
    return (dice + ce).mean()


def dl4j_patch_sides(side, scales=2, n_layers=3):
    """GanProfile.discriminatorOutputSide for every scale: the D outputs must have the same shapes."""
    out = []
    for s in range(scales):
        x = side
        for _ in range(s):
            x = (x - 1) // 2 + 1
        for _ in range(n_layers):
            x = x // 2 + 1
        out.append(x + 2)
    return out


def count(module):
    return sum(p.numel() for p in module.parameters())


def bench(side, threads, warmup, steps, schedule, seed=1):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    g, d = Generator(), MultiscaleDiscriminator()
    init_normal(g)
    init_normal(d)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-8)
    n, classes = 2, 3
    cond = torch.rand(n, 2, side, side) * 2 - 1
    real = torch.rand(n, 1, side, side) * 2 - 1
    labels = torch.randint(0, classes, (n, side, side))
    onehot = F.one_hot(labels, classes).permute(0, 3, 1, 2).float()
    mask = torch.ones(n, 1, side, side)

    with torch.no_grad():
        sides = [o.shape[-1] for o in d(torch.cat([cond, real], 1))]
    if sides != dl4j_patch_sides(side):
        sys.exit(f"PatchGAN output sides {sides} differ from DL4J's {dl4j_patch_sides(side)} at {side}x{side}")

    def step():
        t0 = time.perf_counter()
        if schedule == "dl4j":
            with torch.no_grad():
                fake, _ = g(cond)
        else:
            fake, seg = g(cond)
        t1 = time.perf_counter()
        for q in d.parameters():
            q.requires_grad_(True)
        opt_d.zero_grad(set_to_none=True)
        pairs = torch.cat([torch.cat([cond, real], 1), torch.cat([cond, fake.detach()], 1)], 0)
        outs = d(pairs)
        targets = [torch.cat([torch.ones_like(o[:n]), torch.zeros_like(o[n:])]) for o in outs]
        loss_d = sum(F.binary_cross_entropy_with_logits(o, t) for o, t in zip(outs, targets))
        loss_d.backward()
        opt_d.step()
        t2 = time.perf_counter()
        # G phase through a frozen D (DL4J: FrozenLayerWithBackprop, no D parameter gradients)
        for q in d.parameters():
            q.requires_grad_(False)
        opt_g.zero_grad(set_to_none=True)
        if schedule == "dl4j":
            fake, seg = g(cond)
        loss_g = (gan_loss(d(torch.cat([cond, fake], 1)), 1.0) + 10 * F.l1_loss(fake, real)
                  + 10 * dice_ce(seg, onehot, mask))
        loss_g.backward()
        opt_g.step()
        t3 = time.perf_counter()
        return (t3 - t0) * 1e3, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, loss_d.item(), loss_g.item()

    for _ in range(warmup):
        step()
    runs = [step() for _ in range(steps)]
    total = sorted(r[0] for r in runs)
    mean = lambda i: statistics.fmean(r[i] for r in runs)
    print(f"TORCH side={side} threads={threads} schedule={schedule} median_ms={statistics.median(total):.1f} "
          f"min_ms={total[0]:.1f} max_ms={total[-1]:.1f} g_ms={mean(1):.1f} d_ms={mean(2):.1f} "
          f"gphase_ms={mean(3):.1f} loss_d={runs[-1][4]:.4f} loss_g={runs[-1][5]:.4f} "
          f"g_params={count(g)} d_params={count(d)} torch={torch.__version__} "
          f"omp={os.environ.get('OMP_NUM_THREADS', '-')}", flush=True)
    return count(g), count(d)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sides", default="64,128")
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "1")))
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--schedule", choices=["dl4j", "torch"], default="dl4j")
    a = ap.parse_args()
    torch.set_num_interop_threads(1)
    for side in (int(s) for s in a.sides.split(",")):
        gp, dp = bench(side, a.threads, a.warmup, a.steps, a.schedule)
        if (gp, dp) != (DEMO_G_PARAMS, DEMO_D_PARAMS):
            sys.exit(f"parameter counts G {gp}, D {dp} differ from DL4J's demo profile "
                     f"(G {DEMO_G_PARAMS}, D {DEMO_D_PARAMS}): not the same networks")


if __name__ == "__main__":
    main()
