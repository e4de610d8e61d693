"""Scores of a generated video against the simulator's ground truth (its `Frames` and `SceneGraph`).

Bodies are found in a generated video by colour keying. A body's key is its requested colour as the simulator
rendered it in this scene (the median of its ground-truth pixels; the requested colour if never seen), matched up
to a brightness factor, because shading scales a surface's colour but keeps its hue. Every pixel goes to the
nearest key among the bodies', the floor's, the walls' and the sky's. Bodies of one colour are scored together (a
tower of four teal boxes is one teal mask), and a colour the background also has cannot be keyed and is not scored.

Beyond mask IoU and PSNR, the physics ablations score: where the bodies are (centroid error), how they move at
contacts (velocity error), whether they persist (permanence), the prompt's spatial relations, how many pieces a
body shows (count error), temporal stability (flicker, flow warping error), appearance (SSIM), how much the video
moves (motion ratio), and the Physics-IQ benchmark's motion-mask IoUs, MSE and score (`hybrid.physics_iq`).
`score_all` gathers every score.
Pure functions of arrays; no model or renderer needed. A score that nothing can be measured for is NaN.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from hybrid.physics_iq import Takes, unscored
from scenes.graph import SceneGraph
from sim.frames import Frames
from sim.rollout import Rollout

SHADING = (0.5, 1.5)  # brightness factors a key may take: shadowed faces to highlights
MAX_DISTANCE = 0.15  # sRGB in [0, 1]: a pixel farther than this from every scaled key matches nothing
SKY_BANDS = 5  # the sky is keyed by its median colour in this many bands of rows, top to bottom
MIN_PIXELS = 10  # a colour group smaller than this in a ground-truth frame is not scored in that frame
STILL_FLOW = 0.05  # pixels: ground-truth flow below this is a still pixel (flicker)
SSIM_WINDOW = 7  # pixels: side of SSIM's uniform window
SSIM_C1, SSIM_C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2  # SSIM's standard stabilising constants for 0-255
IMAGE_RELATIONS = ("left_of", "right_of", "in_front_of", "behind")  # relations checkable in the image


@dataclass(frozen=True)
class ColourKeys:
    """The keyable colour groups of a scene: each a set of body indices (0-based) and its key colour."""

    groups: list[list[int]]  # body indices per scored colour
    keys: np.ndarray  # [G + B, 3] sRGB in [0, 1]: one per group, then B of the background (floor, walls, sky)


def colour_keys(frames: Frames, graph: SceneGraph) -> ColourKeys:
    """Key colours from the ground truth: bodies grouped by requested colour; then the floor's, the walls' (if
    seen) and the sky's tones (if seen)."""
    pixels = frames.rgb.astype(np.float64) / 255.0
    floor = frames.ground_mask()
    walls = (frames.segmentation == 0) & (frames.depth > 0) & ~floor
    floor_key = np.median(pixels[floor], axis=0) if floor.any() else np.asarray(graph.ground.colour.rgb)
    wall_keys = [np.median(pixels[walls], axis=0)] if walls.any() else []
    background = np.stack([floor_key, *wall_keys, *_sky_keys(pixels, frames.depth == 0)])
    by_colour: dict[tuple, list[int]] = {}
    for index, body in enumerate(graph.bodies):
        by_colour.setdefault(tuple(body.colour.rgb), []).append(index)
    groups, keys = [], []
    for colour, members in by_colour.items():
        seen = np.isin(frames.segmentation, [m + 1 for m in members])
        key = np.median(pixels[seen], axis=0) if seen.any() else np.asarray(colour)
        # Either way round: a white body on a grey floor matches the floor's pixels dimmed, and the floor's lit
        # pixels match the body's shaded ones, so neither could be told from the other.
        if min(_scaled_distance(key[None], background).min(), _scaled_distance(background, key[None]).min()) \
                >= MAX_DISTANCE:  # else: it looks like the background
            groups.append(members)
            keys.append(key)
    return ColourKeys(groups, np.concatenate([np.reshape(keys, (-1, 3)), background]))


def _sky_keys(pixels: np.ndarray, sky: np.ndarray) -> list[np.ndarray]:
    """Median colours [3] of the sky pixels `sky` [T, H, W] of `pixels` [T, H, W, 3] in SKY_BANDS bands of image
    rows (a sky's gradient runs with elevation); none if no sky is seen."""
    rows = np.nonzero(sky)[1]  # [S] the image row of each sky pixel
    order = np.argsort(rows, kind="stable")
    return [np.median(band, axis=0) for band in np.array_split(pixels[sky][order], SKY_BANDS) if len(band)]


def keyed_masks(video: np.ndarray, keys: ColourKeys) -> np.ndarray:
    """[G, T, H, W] bool: the pixels of [T, H, W, 3] uint8 `video` nearest to each group's key."""
    pixels = video.astype(np.float64) / 255.0
    distance = _scaled_distance(pixels, keys.keys)  # [T, H, W, G + B]
    nearest = distance.argmin(axis=-1)
    close = distance.min(axis=-1) < MAX_DISTANCE
    return np.stack([(nearest == g) & close for g in range(len(keys.groups))]) if keys.groups else \
        np.zeros((0, *video.shape[:3]), dtype=bool)


def mask_iou(video: np.ndarray, frames: Frames, graph: SceneGraph, min_pixels: int = MIN_PIXELS) -> float:
    """Mean IoU, over keyable colour groups and the frames where the group covers at least `min_pixels` in the
    ground truth, between the colour-keyed group in `video` and the simulator's segmentation; NaN if none."""
    return _mask_iou(_keyed_groups(video, frames, graph), min_pixels)


def psnr(video: np.ndarray, reference: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of uint8 frames against the reference (inf when identical)."""
    error = np.mean((video.astype(np.float64) - reference.astype(np.float64)) ** 2)
    return float("inf") if error == 0 else float(10 * np.log10(255.0**2 / error))


def psnr_at(video: np.ndarray, reference: np.ndarray, side: int = 64) -> float:
    """PSNR with both videos first averaged down to `side` x `side` pixels per frame (box filter): what a model
    that cannot know seeded textures pixel for pixel is scored on (layout, colours, shading)."""
    return psnr(_box_downsample(video, side), _box_downsample(reference, side))


def colour_regions(frames: Frames, graph: SceneGraph) -> dict[str, np.ndarray]:
    """Name -> mask [T, H, W] of what the render shows: each body by its id ("body red_ball"), then the sky, the
    walls and the floor (a region the render never shows is left out)."""
    masks = {f"body {body.id}": frames.segmentation == k for k, body in enumerate(graph.bodies, start=1)}
    masks.update(sky=frames.depth == 0, walls=frames.wall_mask(), floor=frames.ground_mask())
    return {name: mask for name, mask in masks.items() if mask.any()}


def colour_errors(video: np.ndarray, frames: Frames, graph: SceneGraph,
                  min_pixels: int = MIN_PIXELS) -> dict[str, float]:
    """Per region of `colour_regions` covering at least `min_pixels` over the clip, the largest per-channel
    difference (grey levels, 0-255) between the mean colour of `video` and of the render there."""
    errors = {}
    for name, mask in colour_regions(frames, graph).items():
        if mask.sum() >= min_pixels:
            made, rendered = (pixels[mask].astype(np.float64).mean(axis=0) for pixels in (video, frames.rgb))
            errors[name] = float(np.abs(made - rendered).max())
    return errors


def centroid_error(video: np.ndarray, frames: Frames, graph: SceneGraph, min_pixels: int = MIN_PIXELS) -> float:
    """Mean distance in pixels between the keyed and the true centroid of each keyable group, over the frames
    where the group covers at least `min_pixels` in the truth; a frame where the video lacks the group (fewer
    than `min_pixels // 4` pixels) counts as the image diagonal, since a missing body is as wrong as can be.
    NaN if no group is visible."""
    return _centroid_error(_keyed_groups(video, frames, graph), min_pixels)


def velocity_error(video: np.ndarray, frames: Frames, rollout: Rollout, graph: SceneGraph,
                   min_pixels: int = MIN_PIXELS) -> dict[str, float]:
    """Mean length, in pixels per frame, of the error of a body's image velocity just before and just after each
    contact event ("before_contact", "after_contact").

    An event is the first frame f at which a pair of bodies (or a body and the ground) touches in the rollout.
    Velocities are centroid differences over frames f - 2..f (before) and f..f + 2 (after), divided by 2, of
    the keyed mask in the video against the segmentation in the truth. Only bodies alone in their colour group
    are scored, where both centroids exist in all the frames needed; NaN where no event can be scored.
    """
    return _velocity_error(_keyed_groups(video, frames, graph), rollout, min_pixels)


def permanence(video: np.ndarray, frames: Frames, graph: SceneGraph, min_pixels: int = MIN_PIXELS) -> dict[str, float]:
    """Object permanence of the keyable groups: "presence", the fraction of (group, frame) pairs visible in the
    truth (`min_pixels`) that the video shows (at least `min_pixels // 4` pixels, at least 1), and the counts of
    "appearances" and "disappearances": frames where a group comes into or out of the video while in the truth it
    does not (both judged at `min_pixels // 4` pixels, so a body leaving the image in both agrees). NaN if no
    group is keyable (presence also if none is visible)."""
    return _permanence(_keyed_groups(video, frames, graph), min_pixels)


def relation_compliance(video: np.ndarray, frames: Frames, graph: SceneGraph, min_pixels: int = MIN_PIXELS) -> float:
    """Fraction of the graph's left_of, right_of, in_front_of and behind relations between bodies alone in their
    colour group that hold in the first frame showing both (each at least `min_pixels // 4` pixels).

    left_of: the subject's centroid is left of the object's (right_of the reverse); in_front_of: the subject's
    lowest pixel row, where it meets the floor, is below the object's, as nearer the camera is lower in the
    image (behind the reverse). NaN if no relation can be checked.
    """
    return _relation_compliance(_keyed_groups(video, frames, graph), graph, min_pixels)


def count_error(video: np.ndarray, frames: Frames, graph: SceneGraph, min_pixels: int = MIN_PIXELS) -> float:
    """Mean absolute difference, over keyable groups and all frames, between the number of 4-connected pieces
    (of at least `min_pixels // 4` pixels) of the keyed mask and of the true mask: a body split in two, or a
    duplicated one, counts 1. NaN if no group is keyable."""
    return _count_error(_keyed_groups(video, frames, graph), min_pixels)


def flicker(video: np.ndarray, frames: Frames) -> float:
    """Mean absolute change (0-255) of the video from frame t to t + 1 over pixels that should not change: background
    in both frames, ground-truth flow under STILL_FLOW pixels and an unchanged render (no moving shadow). NaN if
    no pixel is still."""
    rgb = frames.rgb
    still = (frames.segmentation[:-1] == 0) & (frames.segmentation[1:] == 0)  # [T - 1, H, W]
    still &= np.linalg.norm(frames.flow[:-1], axis=-1) < STILL_FLOW
    still &= np.all(rgb[:-1] == rgb[1:], axis=-1)
    return _mean_or_nan(_frame_changes(video)[still])


def warping_error(video: np.ndarray, frames: Frames) -> float:
    """Mean absolute difference (0-255) between frame t and frame t + 1 warped back to it with the ground-truth
    flow (bilinear sampling at x + flow_x, y + flow_y), over the pixels whose flow is valid; NaN if none is."""
    current = video[:-1].astype(np.float64)  # [T - 1, H, W, 3]
    warped = _warp_back(video[1:].astype(np.float64), frames.flow[:-1])
    return _mean_or_nan(np.abs(warped - current).mean(axis=-1)[frames.valid_flow[:-1]])


def ssim(video: np.ndarray, reference: np.ndarray) -> float:
    """Mean structural similarity (Wang et al. 2004) of uint8 frames to the reference, over frames and colour
    channels, with a SSIM_WINDOW-pixel uniform window (smaller for smaller images); 1 when identical."""
    x = np.moveaxis(video.astype(np.float64), -1, 1)  # [T, 3, H, W]
    y = np.moveaxis(reference.astype(np.float64), -1, 1)
    side = min(SSIM_WINDOW, *x.shape[2:])
    mean_x, mean_y = _box_mean(x, side), _box_mean(y, side)
    var_x = _box_mean(x * x, side) - mean_x**2
    var_y = _box_mean(y * y, side) - mean_y**2
    covariance = _box_mean(x * y, side) - mean_x * mean_y
    score = ((2 * mean_x * mean_y + SSIM_C1) * (2 * covariance + SSIM_C2)) / \
        ((mean_x**2 + mean_y**2 + SSIM_C1) * (var_x + var_y + SSIM_C2))
    return float(score.mean())


MIN_TRUTH_MOTION = 0.5  # grey levels per pixel and frame: below it the render counts as still


def motion_ratio(video: np.ndarray, frames: Frames) -> float:
    """Mean absolute frame-to-frame change of the video over that of the render: 0 for a frozen video, 1 for one
    that moves as much as the truth (more than 1: it moves more). NaN if the render moves less than
    MIN_TRUTH_MOTION grey levels per pixel and frame: a ratio to a nearly still scene says nothing."""
    truth = _mean_or_nan(_frame_changes(frames.rgb))
    return _mean_or_nan(_frame_changes(video)) / truth if truth >= MIN_TRUTH_MOTION else float("nan")


def score_all(video: np.ndarray, frames: Frames, rollout: Rollout, graph: SceneGraph,
              takes: Takes | None) -> dict[str, float]:
    """Every score of `video` against the ground truth, flat: those named in BETTER, and the Physics-IQ physical
    variance of `takes` (the truth filmed twice; its first take is `frames.rgb`) that its score divides by, and
    the frames it scored; the Physics-IQ numbers are NaN without `takes`."""
    groups = _keyed_groups(video, frames, graph)
    velocity = _velocity_error(groups, rollout, MIN_PIXELS)
    kept = _permanence(groups, MIN_PIXELS)
    scores = {
        "mask_iou": _mask_iou(groups, MIN_PIXELS),
        "centroid_error_px": _centroid_error(groups, MIN_PIXELS),
        "velocity_error_before_contact": velocity["before_contact"],
        "velocity_error_after_contact": velocity["after_contact"],
        "presence": kept["presence"], "appearances": kept["appearances"], "disappearances": kept["disappearances"],
        "relation_compliance": _relation_compliance(groups, graph, MIN_PIXELS),
        "count_error": _count_error(groups, MIN_PIXELS),
        "flicker": flicker(video, frames),
        "warping_error": warping_error(video, frames),
        "psnr": psnr(video, frames.rgb),
        "ssim": ssim(video, frames.rgb),
        "motion_ratio": motion_ratio(video, frames),
        **(takes.score(video) if takes else unscored()),
    }
    return {name: float(value) for name, value in scores.items()}


BETTER = {  # per score of `score_all`: which values are better, "higher", "lower" or "nearer 1"
    "mask_iou": "higher", "centroid_error_px": "lower", "velocity_error_before_contact": "lower",
    "velocity_error_after_contact": "lower", "presence": "higher", "appearances": "lower",
    "disappearances": "lower", "relation_compliance": "higher", "count_error": "lower", "flicker": "lower",
    "warping_error": "lower", "psnr": "higher", "ssim": "higher",
    "motion_ratio": "nearer 1",  # 0: frozen; above 1: moves more than the truth (noise does)
    "physics_iq_spatial_iou": "higher", "physics_iq_spatiotemporal_iou": "higher",
    "physics_iq_weighted_spatial_iou": "higher", "physics_iq_mse": "lower", "physics_iq_score": "higher",
}


def is_better(metric: str, value: float, other: float) -> bool:
    """Whether `value` of score `metric` is strictly better than `other` (see BETTER)."""
    direction = BETTER[metric]
    if direction == "nearer 1":
        return abs(math.log(value)) < abs(math.log(other)) if min(value, other) > 0 else value > other
    return value > other if direction == "higher" else value < other


@dataclass(frozen=True)
class _Groups:
    """The keyable colour groups of a scene with their masks in a video and in the ground truth."""

    members: list[list[int]]  # body indices (0-based) per group
    video: np.ndarray  # [G, T, H, W] bool, keyed from the video
    truth: np.ndarray  # [G, T, H, W] bool, from the segmentation


def _keyed_groups(video: np.ndarray, frames: Frames, graph: SceneGraph) -> _Groups:
    keys = colour_keys(frames, graph)
    truth = [np.isin(frames.segmentation, [m + 1 for m in members]) for members in keys.groups]  # [T, H, W] each
    truth = np.array(truth, dtype=bool).reshape(-1, *frames.segmentation.shape)
    return _Groups(keys.groups, keyed_masks(video, keys), truth)


def _mask_iou(groups: _Groups, min_pixels: int) -> float:
    scores = []
    for keyed, truth in zip(groups.video, groups.truth):  # [T, H, W] each
        for t in np.flatnonzero(truth.sum(axis=(1, 2)) >= min_pixels):
            union = np.logical_or(truth[t], keyed[t]).sum()
            scores.append(np.logical_and(truth[t], keyed[t]).sum() / union)
    return float(np.mean(scores)) if scores else float("nan")


def _centroid_error(groups: _Groups, min_pixels: int) -> float:
    truth = _centroids(groups.truth, min_pixels)  # [G, T, 2]
    keyed = _centroids(groups.video, _seen(min_pixels))
    distance = np.linalg.norm(keyed - truth, axis=-1)  # [G, T], NaN where either is missing
    diagonal = float(np.hypot(*groups.truth.shape[-2:]))
    visible = ~np.isnan(truth[..., 0])
    return _mean_or_nan(np.where(np.isnan(distance), diagonal, distance)[visible])


def _velocity_error(groups: _Groups, rollout: Rollout, min_pixels: int) -> dict[str, float]:
    group_of = _single_body_groups(groups)
    truth = _centroids(groups.truth, min_pixels)  # [G, T, 2]
    keyed = _centroids(groups.video, _seen(min_pixels))
    moved, truth_moved = keyed[:, 2:] - keyed[:, :-2], truth[:, 2:] - truth[:, :-2]  # [G, T - 2, 2]: s to s + 2
    error = np.linalg.norm(moved - truth_moved, axis=-1) / 2  # [G, T - 2] pixels per frame, NaN where unseen
    errors: dict[str, list[float]] = {"before_contact": [], "after_contact": []}
    for (a, b), frame in _first_contacts(rollout.contacts).items():
        for group in (group_of[body - 1] for body in (a, b) if body - 1 in group_of):  # body 0 is the ground
            for name, start in (("before_contact", frame - 2), ("after_contact", frame)):
                if 0 <= start < error.shape[1] and not np.isnan(error[group, start]):
                    errors[name].append(error[group, start])
    return {name: _mean_or_nan(values) for name, values in errors.items()}


def _first_contacts(contacts: np.ndarray) -> dict[tuple[int, int], int]:
    """(body a, body b) with a < b -> the first frame they touch, from the rollout's [C, 4] contact rows."""
    first: dict[tuple[int, int], int] = {}
    for frame, a, b, _ in contacts:
        pair = (int(min(a, b)), int(max(a, b)))
        first[pair] = min(first.get(pair, int(frame)), int(frame))
    return first


def _permanence(groups: _Groups, min_pixels: int) -> dict[str, float]:
    if not groups.members:
        return {"presence": float("nan"), "appearances": float("nan"), "disappearances": float("nan")}
    shown = groups.video.sum(axis=(2, 3)) >= _seen(min_pixels)  # [G, T]
    truth_pixels = groups.truth.sum(axis=(2, 3))
    visible, truth_shown = truth_pixels >= min_pixels, truth_pixels >= _seen(min_pixels)
    unexpected = (shown[:, 1:] != shown[:, :-1]) & (truth_shown[:, 1:] == truth_shown[:, :-1])  # [G, T - 1]
    return {"presence": _mean_or_nan(shown[visible]),
            "appearances": float((unexpected & shown[:, 1:]).sum()),
            "disappearances": float((unexpected & ~shown[:, 1:]).sum())}


def _relation_compliance(groups: _Groups, graph: SceneGraph, min_pixels: int) -> float:
    group_of = _single_body_groups(groups)
    index = {body_id: i for i, body_id in enumerate(graph.body_ids)}
    shown = groups.video.sum(axis=(2, 3)) >= _seen(min_pixels)  # [G, T]
    held = []
    for relation in graph.relations:
        subject, obj = group_of.get(index.get(relation.subject)), group_of.get(index.get(relation.object))
        if relation.relation not in IMAGE_RELATIONS or subject is None or obj is None:
            continue
        both = np.flatnonzero(shown[subject] & shown[obj])
        if both.size:
            held.append(_holds(relation.relation, groups.video[subject, both[0]], groups.video[obj, both[0]]))
    return _mean_or_nan(held)


def _holds(relation: str, subject: np.ndarray, obj: np.ndarray) -> bool:
    """Whether an image relation holds between two non-empty [H, W] masks."""
    (subject_x, _), (object_x, _) = _centroids(np.stack([subject, obj]), 1)
    subject_low, object_low = (np.flatnonzero(mask.any(axis=1)).max() for mask in (subject, obj))
    return {"left_of": subject_x < object_x, "right_of": subject_x > object_x,
            "in_front_of": subject_low > object_low, "behind": subject_low < object_low}[relation]


def _count_error(groups: _Groups, min_pixels: int) -> float:
    pieces = _count_components(groups.video, _seen(min_pixels))  # [G, T]
    truth = _count_components(groups.truth, _seen(min_pixels))
    return _mean_or_nan(np.abs(pieces - truth))


def _count_components(masks: np.ndarray, min_size: int) -> np.ndarray:
    """[...]: the number of 4-connected components of at least `min_size` pixels in each [H, W] of [..., H, W]."""
    cross = np.zeros((3,) * masks.ndim, bool)  # neighbours within a frame only, never across frames or groups
    centre = (1,) * (masks.ndim - 2)
    cross[(*centre, slice(None), 1)] = cross[(*centre, 1, slice(None))] = True
    labels, count = ndimage.label(masks, structure=cross)
    flat = labels.ravel()
    sizes = np.bincount(flat, minlength=count + 1)
    found, first = np.unique(flat, return_index=True)  # each label, and the flat index where it starts
    large = (found > 0) & (sizes[found] >= max(min_size, 1))  # label 0 is outside every mask
    frame = masks.shape[-2] * masks.shape[-1]
    return np.bincount(first[large] // frame, minlength=masks.size // frame).reshape(masks.shape[:-2])


def _single_body_groups(groups: _Groups) -> dict[int, int]:
    """Body index -> its group, for the bodies alone in their colour group (whose mask is that body's)."""
    return {members[0]: group for group, members in enumerate(groups.members) if len(members) == 1}


def _seen(min_pixels: int) -> int:
    """Pixels a group needs in a generated frame to count as shown: a quarter of `min_pixels`, at least 1."""
    return max(1, min_pixels // 4)


def _centroids(masks: np.ndarray, min_pixels: int) -> np.ndarray:
    """[..., 2] (x, y) pixel-centre centroid of each [H, W] of [..., H, W] bool; NaN below `min_pixels` pixels."""
    height, width = masks.shape[-2:]
    count = masks.sum(axis=(-2, -1)).astype(np.float64)
    count[count < max(min_pixels, 1)] = np.nan
    x = (masks.sum(axis=-2) * (np.arange(width) + 0.5)).sum(axis=-1) / count
    y = (masks.sum(axis=-1) * (np.arange(height) + 0.5)).sum(axis=-1) / count
    return np.stack([x, y], axis=-1)


def _frame_changes(video: np.ndarray) -> np.ndarray:
    """[T - 1, H, W] mean absolute change over the colour channels (0-255) from each frame to the next."""
    return np.abs(np.diff(video.astype(np.float64), axis=0)).mean(axis=-1)


def _warp_back(images: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """[N, H, W, C]: each image of [N, H, W, C] sampled bilinearly at (x, y) + flow [N, H, W, 2], edge-clamped."""
    count, height, width = images.shape[:3]
    rows, columns = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")  # [H, W]
    x = np.clip(columns + flow[..., 0], 0, width - 1)  # [N, H, W]
    y = np.clip(rows + flow[..., 1], 0, height - 1)
    x0, y0 = np.floor(x).astype(np.intp), np.floor(y).astype(np.intp)
    x1, y1 = np.minimum(x0 + 1, width - 1), np.minimum(y0 + 1, height - 1)
    wx, wy = (x - x0)[..., None], (y - y0)[..., None]
    n = np.arange(count)[:, None, None]
    top = images[n, y0, x0] * (1 - wx) + images[n, y0, x1] * wx
    bottom = images[n, y1, x0] * (1 - wx) + images[n, y1, x1] * wx
    return top * (1 - wy) + bottom * wy


def _box_mean(images: np.ndarray, side: int) -> np.ndarray:
    """[..., H - side + 1, W - side + 1]: the mean of every side x side window of [..., H, W] (summed-area table)."""
    table = np.pad(images.cumsum(axis=-2).cumsum(axis=-1), [(0, 0)] * (images.ndim - 2) + [(1, 0), (1, 0)])
    total = table[..., side:, side:] - table[..., :-side, side:] - table[..., side:, :-side] \
        + table[..., :-side, :-side]
    return total / side**2


def _box_downsample(video: np.ndarray, side: int) -> np.ndarray:
    """uint8 [T, H, W, 3] -> float [T, side, side, 3], each output pixel the mean of its block of input pixels
    (H and W must be multiples of side)."""
    frames, height, width, channels = video.shape
    if height % side or width % side:
        raise ValueError(f"frames of {height}x{width} do not divide into {side}x{side} blocks")
    blocks = video.astype(np.float64).reshape(frames, side, height // side, side, width // side, channels)
    return blocks.mean(axis=(2, 4))


def _mean_or_nan(values) -> float:
    """The mean of `values` as a float; NaN when there are none."""
    values = np.asarray(values, dtype=np.float64)
    return float(values.mean()) if values.size else float("nan")


def _scaled_distance(pixels: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """[..., K]: distance from each pixel [..., 3] to each key [K, 3] times its best brightness in SHADING."""
    scale = (pixels @ keys.T) / np.maximum((keys**2).sum(1), 1e-9)  # [..., K]
    scale = scale.clip(*SHADING)
    return np.linalg.norm(pixels[..., None, :] - scale[..., None] * keys, axis=-1)
