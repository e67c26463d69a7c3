"""Field-photo augmentation for training, as batched TensorFlow ops.

Each image gets a random pose (rotation, scale, aspect, shear, shift: crop jitter),
light (exposure, contrast, saturation, gamma, colour cast), glare, spray, blur,
partial occlusion by water and sensor noise. There is deliberately no horizontal
flip: the left and right sides of a fin are different views, not the same one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import tensorflow as tf

from .preprocess import PAD_VALUE

__all__ = ["AugmentConfig", "augment_batch"]


@dataclass(frozen=True)
class AugmentConfig:
    """Strengths and probabilities of each augmentation."""

    rotate_deg: float = 12.0
    scale: tuple[float, float] = (0.8, 1.15)
    aspect: float = 0.1
    shear: float = 0.08
    shift: float = 0.08
    brightness: float = 0.1
    contrast: tuple[float, float] = (0.7, 1.3)
    saturation: tuple[float, float] = (0.6, 1.3)
    gamma: tuple[float, float] = (0.8, 1.25)
    p_glare: float = 0.3
    p_spray: float = 0.25
    p_blur: float = 0.3
    p_water: float = 0.25
    noise: float = 0.03


def _uniform(n: tf.Tensor, lo: float, hi: float) -> tf.Tensor:
    return tf.random.uniform([n], lo, hi)


def _chance(n: tf.Tensor, p: float) -> tf.Tensor:
    return tf.cast(tf.random.uniform([n]) < p, tf.float32)[:, None, None, None]


def _geometry(x: tf.Tensor, cfg: AugmentConfig) -> tf.Tensor:
    n, size = tf.shape(x)[0], tf.cast(tf.shape(x)[1], tf.float32)
    theta = _uniform(n, -1, 1) * math.radians(cfg.rotate_deg)
    scale = tf.exp(_uniform(n, math.log(cfg.scale[0]), math.log(cfg.scale[1])))
    aspect = tf.exp(_uniform(n, -cfg.aspect, cfg.aspect))
    sx, sy = 1.0 / (scale * aspect), aspect / scale
    sh = _uniform(n, -cfg.shear, cfg.shear)
    tx, ty = _uniform(n, -cfg.shift, cfg.shift) * size, _uniform(n, -cfg.shift, cfg.shift) * size
    cos, sin = tf.cos(theta), tf.sin(theta)
    # A = R(theta) @ diag(sx, sy) @ [[1, sh], [0, 1]] maps output to input around the centre.
    a00, a01 = cos * sx, cos * sx * sh - sin * sy
    a10, a11 = sin * sx, sin * sx * sh + cos * sy
    c = (size - 1.0) / 2.0
    a2 = c - a00 * c - a01 * c + tx
    b2 = c - a10 * c - a11 * c + ty
    zeros = tf.zeros_like(a00)
    transforms = tf.stack([a00, a01, a2, a10, a11, b2, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=x, transforms=transforms, output_shape=tf.shape(x)[1:3],
        fill_value=PAD_VALUE / 255.0, interpolation="BILINEAR", fill_mode="CONSTANT")


def _light(x: tf.Tensor, cfg: AugmentConfig) -> tf.Tensor:
    n = tf.shape(x)[0]
    grey = tf.reduce_mean(x, axis=-1, keepdims=True)
    sat = _uniform(n, *cfg.saturation)[:, None, None, None]
    x = grey + (x - grey) * sat
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    x = (x - mean) * _uniform(n, *cfg.contrast)[:, None, None, None] + mean
    x = x + _uniform(n, -cfg.brightness, cfg.brightness)[:, None, None, None]
    x = x * tf.random.uniform([n, 1, 1, 3], 0.92, 1.08)
    x = tf.clip_by_value(x, 0.0, 1.0)
    gamma = tf.exp(_uniform(n, math.log(cfg.gamma[0]), math.log(cfg.gamma[1])))
    return tf.pow(x + 1e-6, gamma[:, None, None, None])


def _grid(size: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    r = tf.linspace(0.0, 1.0, size)
    return r[None, :, None, None], r[None, None, :, None]  # yy (rows), xx (cols)


def _glare(x: tf.Tensor, cfg: AugmentConfig) -> tf.Tensor:
    n = tf.shape(x)[0]
    yy, xx = _grid(tf.shape(x)[1])
    gx, gy = _uniform(n, 0, 1)[:, None, None, None], _uniform(n, 0, 1)[:, None, None, None]
    r = _uniform(n, 0.05, 0.3)[:, None, None, None]
    blob = tf.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r**2))
    return x + _chance(n, cfg.p_glare) * blob * _uniform(n, 0.2, 0.8)[:, None, None, None]


def _spray(x: tf.Tensor, cfg: AugmentConfig) -> tf.Tensor:
    n = tf.shape(x)[0]
    density = _uniform(n, 0.002, 0.012)[:, None, None, None]
    dots = tf.cast(tf.random.uniform(tf.shape(x[..., :1])) < density, tf.float32)
    dots = tf.nn.avg_pool2d(tf.nn.max_pool2d(dots, 2, 1, "SAME"), 3, 1, "SAME")
    return x + _chance(n, cfg.p_spray) * dots * 0.9


def _blur(x: tf.Tensor, cfg: AugmentConfig) -> tf.Tensor:
    n = tf.shape(x)[0]
    g = tf.constant([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    kernel = (g[:, None] * g[None, :])[:, :, None, None]
    kernel = tf.tile(kernel, [1, 1, 3, 1])
    blurred = tf.nn.depthwise_conv2d(x, kernel, [1, 1, 1, 1], "SAME")
    mix = _chance(n, cfg.p_blur) * _uniform(n, 0.5, 1.0)[:, None, None, None]
    return x * (1 - mix) + blurred * mix


def _water(x: tf.Tensor, cfg: AugmentConfig) -> tf.Tensor:
    n = tf.shape(x)[0]
    yy, xx = _grid(tf.shape(x)[1])
    level = _uniform(n, 0.7, 0.97)[:, None, None, None]
    amp = _uniform(n, 0.005, 0.03)[:, None, None, None]
    freq = _uniform(n, 6.0, 25.0)[:, None, None, None]
    phase = _uniform(n, 0.0, 6.3)[:, None, None, None]
    line = level + amp * tf.sin(freq * xx + phase)
    below = tf.cast(yy > line, tf.float32) * _chance(n, cfg.p_water)
    colour = tf.random.uniform([n, 1, 1, 3], 0.15, 0.6)
    texture = 0.1 * tf.random.uniform(tf.shape(x[..., :1]), -1.0, 1.0)
    return x * (1 - below) + (colour + texture) * below


def augment_batch(images: tf.Tensor, cfg: AugmentConfig | None = None) -> tf.Tensor:
    """Augment a batch of ``N x S x S x 3`` images (uint8 or float in [0, 1])."""
    cfg = cfg or AugmentConfig()
    x = tf.convert_to_tensor(images)
    x = tf.cast(x, tf.float32) / 255.0 if x.dtype == tf.uint8 else tf.cast(x, tf.float32)
    x = _geometry(x, cfg)
    x = _light(x, cfg)
    x = _water(x, cfg)
    x = _glare(x, cfg)
    x = _spray(x, cfg)
    x = _blur(x, cfg)
    x = x + tf.random.normal(tf.shape(x), stddev=cfg.noise)
    return tf.clip_by_value(x, 0.0, 1.0)
