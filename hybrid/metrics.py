"""Scores of a generated video against the simulator's ground truth (its `Frames` and `SceneGraph`).

Bodies are found in a generated video by colour keying. A body's key is its requested colour as the simulator
rendered it in this scene (the median of its ground-truth pixels; the requested colour if never seen), matched up
to a brightness factor, because shading scales a surface's colour but keeps its hue. Every pixel goes to the
nearest key among the bodies', the floor's and the sky's. Bodies of one colour are scored together (a tower of
four teal boxes is one teal mask), and a colour the floor or sky also has cannot be keyed and is not scored.
Pure functions of arrays; no model or renderer needed.
"""

from dataclasses import dataclass

import numpy as np

from scenes.graph import SceneGraph
from sim.appearance import SKY_RGB
from sim.frames import Frames

SHADING = (0.5, 1.5)  # brightness factors a key may take: shadowed faces to highlights
MAX_DISTANCE = 0.15  # sRGB in [0, 1]: a pixel farther than this from every scaled key matches nothing
MIN_PIXELS = 10  # a colour group smaller than this in a ground-truth frame is not scored in that frame


@dataclass(frozen=True)
class ColourKeys:
    """The keyable colour groups of a scene: each a set of body indices (0-based) and its key colour."""

    groups: list[list[int]]  # body indices per scored colour
    keys: np.ndarray  # [G + 2, 3] sRGB in [0, 1]: one per group, then the floor's and the sky's


def colour_keys(frames: Frames, graph: SceneGraph) -> ColourKeys:
    """Key colours from the ground truth: bodies grouped by requested colour, floor and sky last."""
    pixels = frames.rgb.astype(np.float64) / 255.0
    floor = frames.depth > 0
    floor &= frames.segmentation == 0
    floor_key = np.median(pixels[floor], axis=0) if floor.any() else np.asarray(graph.ground.colour.rgb)
    background = np.stack([floor_key, np.asarray(SKY_RGB)])
    by_colour: dict[tuple, list[int]] = {}
    for index, body in enumerate(graph.bodies):
        by_colour.setdefault(tuple(body.colour.rgb), []).append(index)
    groups, keys = [], []
    for colour, members in by_colour.items():
        seen = np.isin(frames.segmentation, [m + 1 for m in members])
        key = np.median(pixels[seen], axis=0) if seen.any() else np.asarray(colour)
        if _scaled_distance(key[None], background).min() >= MAX_DISTANCE:  # else: it looks like the floor
            groups.append(members)
            keys.append(key)
    return ColourKeys(groups, np.concatenate([np.reshape(keys, (-1, 3)), background]))


def keyed_masks(video: np.ndarray, keys: ColourKeys) -> np.ndarray:
    """[G, T, H, W] bool: the pixels of [T, H, W, 3] uint8 `video` nearest to each group's key."""
    pixels = video.astype(np.float64) / 255.0
    distance = _scaled_distance(pixels, keys.keys)  # [T, H, W, G + 2]
    nearest = distance.argmin(axis=-1)
    close = distance.min(axis=-1) < MAX_DISTANCE
    return np.stack([(nearest == g) & close for g in range(len(keys.groups))]) if keys.groups else \
        np.zeros((0, *video.shape[:3]), dtype=bool)


def mask_iou(video: np.ndarray, frames: Frames, graph: SceneGraph, min_pixels: int = MIN_PIXELS) -> float:
    """Mean IoU, over keyable colour groups and the frames where the group covers at least `min_pixels` in the
    ground truth, between the colour-keyed group in `video` and the simulator's segmentation; NaN if none."""
    keys = colour_keys(frames, graph)
    keyed = keyed_masks(video, keys)
    scores = []
    for group, members in enumerate(keys.groups):
        truth = np.isin(frames.segmentation, [m + 1 for m in members])  # [T, H, W]
        for t in np.flatnonzero(truth.sum(axis=(1, 2)) >= min_pixels):
            union = np.logical_or(truth[t], keyed[group, t]).sum()
            scores.append(np.logical_and(truth[t], keyed[group, t]).sum() / union)
    return float(np.mean(scores)) if scores else float("nan")


def psnr(video: np.ndarray, reference: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of uint8 frames against the reference (inf when identical)."""
    error = np.mean((video.astype(np.float64) - reference.astype(np.float64)) ** 2)
    return float("inf") if error == 0 else float(10 * np.log10(255.0**2 / error))


def _scaled_distance(pixels: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """[..., K]: distance from each pixel [..., 3] to each key [K, 3] times its best brightness in SHADING."""
    scale = (pixels @ keys.T) / np.maximum((keys**2).sum(1), 1e-9)  # [..., K]
    scale = scale.clip(*SHADING)
    return np.linalg.norm(pixels[..., None, :] - scale[..., None] * keys, axis=-1)
