"""StyleGAN2's generator in plain PyTorch: no custom CUDA ops, no code from a pickle.

Modules and parameter names follow NVlabs' ``stylegan2-ada-pytorch`` (and ``stylegan3``'s
StyleGAN2 config), so ``Generator.state_dict()`` has the layout of ``G_ema.state_dict()`` there —
``mapping.fc0.weight``, ``mapping.w_avg``, ``synthesis.b4.const``,
``synthesis.b8.conv0.affine.weight``, ``synthesis.b8.torgb.weight``, ... — the layout community
tools save StyleGAN2 weights in, and what ``filmstudio models convert-stylegan`` writes.

The maths is NVlabs' reference path (``upfirdn2d`` by zero-insertion and a depthwise convolution,
``bias_act`` as plain ops, modulation applied to activations with demodulation coefficients
computed per sample): equal to the CUDA kernels' results within float rounding. Blocks marked
``use_fp16`` compute in float16 on CUDA (NVlabs' mixed precision: the highest resolutions),
with their activations clamped so they cannot overflow; mapping and styles stay float32.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

SQRT2 = math.sqrt(2.0)
FP16_CLAMP = 256.0  # NVlabs' conv_clamp for float16 layers: keeps activations inside float16's range


@dataclass(frozen=True)
class StyleGANConfig:
    """The sizes of a StyleGAN2 generator (from a state dict's shapes, or a converter's metadata)."""

    z_dim: int
    w_dim: int
    mapping_layers: int
    layer_features: int
    resolution: int
    img_channels: int
    channels: dict[int, int] = field(hash=False)  # output channels per block resolution
    architecture: str = "skip"  # "orig" | "skip" | "resnet"
    mapping_lr: float = 0.01  # the mapping layers' learning-rate multiplier (scales their weights)
    conv_clamp: float | None = None
    num_fp16_res: int = 4
    use_noise: bool = True

    @property
    def resolutions(self) -> list[int]:
        return [2**i for i in range(2, int(math.log2(self.resolution)) + 1)]

    @property
    def num_ws(self) -> int:
        """W vectors the synthesis network takes: two per block but the first, plus the last ToRGB."""
        return 2 * len(self.resolutions)


def setup_filter(taps: tuple[float, ...] = (1, 3, 3, 1)) -> torch.Tensor:
    f = torch.tensor(taps, dtype=torch.float32)
    f = torch.outer(f, f)
    return f / f.sum()


def upfirdn2d(
    x: torch.Tensor,
    f: torch.Tensor,
    up: int = 1,
    pad: tuple[int, int, int, int] = (0, 0, 0, 0),
    gain: float = 1.0,
) -> torch.Tensor:
    """Upsample by zero insertion, pad (negative: crop) by (x0, x1, y0, y1), FIR filter with ``f``."""
    n, c, h, w = x.shape
    if up > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    x0, x1, y0, y1 = pad
    x = F.pad(x, [max(x0, 0), max(x1, 0), max(y0, 0), max(y1, 0)])
    x = x[:, :, max(-y0, 0) : x.shape[2] - max(-y1, 0), max(-x0, 0) : x.shape[3] - max(-x1, 0)]
    kernel = (f * gain).to(x.dtype).flip([0, 1])[None, None].repeat(c, 1, 1, 1)
    return F.conv2d(x, kernel, groups=c)


def upsample2d(x: torch.Tensor, f: torch.Tensor, up: int = 2) -> torch.Tensor:
    taps = f.shape[-1]
    lo, hi = (taps + up - 1) // 2, (taps - up) // 2
    return upfirdn2d(x, f, up=up, pad=(lo, hi, lo, hi), gain=up * up)


def conv2d_up2(x: torch.Tensor, weight: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """A ``k``x``k`` convolution of the 2x upsampled ``x`` (padding k//2), as NVlabs' conv2d_resample:
    a stride-2 transposed convolution, then the low-pass filter."""
    k, taps = weight.shape[-1], f.shape[-1]
    if k == 1:
        return upsample2d(F.conv2d(x, weight), f)
    pad = k // 2
    lo = pad + (taps + 1) // 2 - (k - 1)
    hi = pad + (taps - 2) // 2 - (k - 2)
    trim = max(min(-lo, -hi), 0)
    x = F.conv_transpose2d(x, weight.transpose(0, 1), stride=2, padding=trim)
    return upfirdn2d(x, f, pad=(lo + trim, hi + trim, lo + trim, hi + trim), gain=4)


def bias_act(x: torch.Tensor, bias: torch.Tensor | None, lrelu: bool, gain: float, clamp: float | None):
    if bias is not None:
        x = x + bias.to(x.dtype).reshape(1, -1, *([1] * (x.ndim - 2)))
    if lrelu:
        x = F.leaky_relu(x, 0.2)
    if gain != 1.0:
        x = x * gain
    if clamp is not None:
        x = x.clamp(-clamp, clamp)
    return x


def modulated_conv2d(x, weight, styles, *, demodulate=True, up=1, f=None, noise=None):
    """StyleGAN2's modulated convolution, styles applied to the activations (one ordinary batched
    convolution for all samples), demodulation coefficients from sums of squares."""
    n = x.shape[0]
    _out, in_channels, kh, kw = weight.shape
    if x.dtype == torch.float16 and demodulate:  # NVlabs' pre-normalisation against fp16 overflow
        weight = weight * (
            1 / math.sqrt(in_channels * kh * kw) / weight.norm(float("inf"), dim=[1, 2, 3], keepdim=True)
        )
        styles = styles / styles.norm(float("inf"), dim=1, keepdim=True)
    x = x * styles.to(x.dtype).reshape(n, -1, 1, 1)
    w = weight.to(x.dtype)
    x = conv2d_up2(x, w, f) if up == 2 else F.conv2d(x, w, padding=kh // 2)
    if demodulate:
        # sum over (i, k, k) of (weight * style_i)^2, without a [N, O, I, k, k] tensor
        energy = styles.float().square() @ weight.float().square().sum(dim=[2, 3]).t()
        x = x * (energy + 1e-8).rsqrt().to(x.dtype).reshape(n, -1, 1, 1)
    if noise is not None:
        x = x + noise.to(x.dtype)
    return x


class FullyConnectedLayer(nn.Module):
    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        bias: bool = True,
        lrelu: bool = False,
        lr_multiplier: float = 1.0,
        bias_init: float = 0.0,
    ) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.full([out_features], float(bias_init))) if bias else None
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier
        self.lrelu = lrelu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.matmul((self.weight.to(x.dtype) * self.weight_gain).t())
        if self.bias is not None:
            x = x + self.bias.to(x.dtype) * self.bias_gain
        return F.leaky_relu(x, 0.2) * SQRT2 if self.lrelu else x


class MappingNetwork(nn.Module):
    def __init__(self, c: StyleGANConfig) -> None:
        super().__init__()
        sizes = [c.z_dim] + [c.layer_features] * (c.mapping_layers - 1) + [c.w_dim]
        for index in range(c.mapping_layers):
            layer = FullyConnectedLayer(
                sizes[index], sizes[index + 1], lrelu=True, lr_multiplier=c.mapping_lr
            )
            setattr(self, f"fc{index}", layer)
        self.num_layers = c.mapping_layers
        self.register_buffer("w_avg", torch.zeros([c.w_dim]))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = z.float()
        x = x * (x.square().mean(dim=1, keepdim=True) + 1e-8).rsqrt()
        for index in range(self.num_layers):
            x = getattr(self, f"fc{index}")(x)
        return x


class SynthesisLayer(nn.Module):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        w_dim: int,
        resolution: int,
        *,
        up: int = 1,
        use_noise: bool = True,
        conv_clamp: float | None = None,
    ) -> None:
        super().__init__()
        self.resolution, self.up, self.use_noise, self.conv_clamp = resolution, up, use_noise, conv_clamp
        self.register_buffer("resample_filter", setup_filter())
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 3, 3))
        if use_noise:
            self.register_buffer("noise_const", torch.randn(resolution, resolution))
            self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros([out_channels]))

    def forward(self, x, w, noise, clamp, gain=1.0):
        styles = self.affine(w)
        added = None
        if self.use_noise and noise is not None:
            added = (self.noise_const if isinstance(noise, str) else noise) * self.noise_strength
        x = modulated_conv2d(x, self.weight, styles, up=self.up, f=self.resample_filter, noise=added)
        return bias_act(x, self.bias, True, SQRT2 * gain, clamp * gain if clamp is not None else None)


class ToRGBLayer(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, w_dim: int) -> None:
        super().__init__()
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros([out_channels]))
        self.weight_gain = 1 / math.sqrt(in_channels)

    def forward(self, x, w, clamp):
        styles = self.affine(w) * self.weight_gain
        x = modulated_conv2d(x, self.weight, styles, demodulate=False)
        return bias_act(x, self.bias, False, 1.0, clamp)


class Conv2dLayer(nn.Module):
    """The 1x1 upsampling shortcut of 'resnet' synthesis blocks (no bias)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.register_buffer("resample_filter", setup_filter())
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 1, 1))
        self.weight_gain = 1 / math.sqrt(in_channels)

    def forward(self, x, gain):
        x = conv2d_up2(x, (self.weight * self.weight_gain).to(x.dtype), self.resample_filter)
        return x * gain


class SynthesisBlock(nn.Module):
    def __init__(self, c: StyleGANConfig, in_channels: int, resolution: int, use_fp16: bool) -> None:
        super().__init__()
        out_channels = c.channels[resolution]
        self.in_channels, self.resolution, self.use_fp16 = in_channels, resolution, use_fp16
        self.is_last = resolution == c.resolution
        self.architecture = c.architecture
        self.conv_clamp = c.conv_clamp
        self.register_buffer("resample_filter", setup_filter())
        if in_channels == 0:
            self.const = nn.Parameter(torch.randn(out_channels, resolution, resolution))
        else:
            self.conv0 = SynthesisLayer(
                in_channels,
                out_channels,
                c.w_dim,
                resolution,
                up=2,
                use_noise=c.use_noise,
                conv_clamp=c.conv_clamp,
            )
        self.conv1 = SynthesisLayer(
            out_channels, out_channels, c.w_dim, resolution, use_noise=c.use_noise, conv_clamp=c.conv_clamp
        )
        self.has_rgb = self.is_last or c.architecture == "skip"
        if self.has_rgb:
            self.torgb = ToRGBLayer(out_channels, c.img_channels, c.w_dim)
        if in_channels != 0 and c.architecture == "resnet":
            self.skip = Conv2dLayer(in_channels, out_channels)
        self.num_conv = 1 if in_channels == 0 else 2

    def forward(self, x, img, ws, noises, half):
        dtype = torch.float16 if half and self.use_fp16 else torch.float32
        clamp = self.conv_clamp
        if dtype == torch.float16 and clamp is None:
            clamp = FP16_CLAMP
        w_iter = iter(ws.unbind(dim=1))
        if self.in_channels == 0:
            x = self.const.to(dtype).unsqueeze(0).repeat(ws.shape[0], 1, 1, 1)
            x = self.conv1(x, next(w_iter), noises[0], clamp)
        elif self.architecture == "resnet":
            x = x.to(dtype)
            y = self.skip(x, math.sqrt(0.5))
            x = self.conv0(x, next(w_iter), noises[0], clamp)
            x = y + self.conv1(x, next(w_iter), noises[1], clamp, gain=math.sqrt(0.5))
        else:
            x = x.to(dtype)
            x = self.conv0(x, next(w_iter), noises[0], clamp)
            x = self.conv1(x, next(w_iter), noises[1], clamp)
        if img is not None:
            img = upsample2d(img, self.resample_filter)
        if self.has_rgb:
            y = self.torgb(x, next(w_iter), clamp).float()
            img = y if img is None else img + y
        return x, img


class SynthesisNetwork(nn.Module):
    def __init__(self, c: StyleGANConfig) -> None:
        super().__init__()
        self.resolutions = c.resolutions
        fp16_from = max(2 ** (len(self.resolutions) + 2 - c.num_fp16_res), 8) if c.num_fp16_res else 1 << 30
        previous = 0
        for res in self.resolutions:
            setattr(self, f"b{res}", SynthesisBlock(c, previous, res, res >= fp16_from))
            previous = c.channels[res]
        self.num_ws = c.num_ws

    def blocks(self) -> list[SynthesisBlock]:
        return [getattr(self, f"b{res}") for res in self.resolutions]

    def noise_layers(self) -> list[SynthesisLayer]:
        """The layers that take noise, in the order :meth:`forward` wants their noise."""
        return [layer for b in self.blocks() for layer in (getattr(b, "conv0", None), b.conv1) if layer]

    def forward(self, ws: torch.Tensor, noises: list | str | None = "const", half: bool = False):
        """``ws`` ``[N, num_ws, w_dim]`` -> images ``[N, C, H, W]`` (float32, about -1..1). ``noises``:
        "const" (each layer's stored noise), None (no noise), or one tensor ``[N, 1, r, r]`` per
        layer of :meth:`noise_layers`."""
        ws = ws.float()
        per_layer = iter(noises) if isinstance(noises, list) else None
        x = img = None
        index = 0
        for block in self.blocks():
            count = block.num_conv + int(block.has_rgb)
            taken = [next(per_layer) if per_layer else noises for _ in range(block.num_conv)]
            x, img = block(x, img, ws.narrow(1, index, count), taken, half)
            index += block.num_conv
        return img


class Generator(nn.Module):
    """``mapping`` (Z -> W) and ``synthesis`` (W+ -> image), NVlabs' names and layout."""

    def __init__(self, c: StyleGANConfig) -> None:
        super().__init__()
        self.config = c
        self.mapping = MappingNetwork(c)
        self.synthesis = SynthesisNetwork(c)
