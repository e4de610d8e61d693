"""kinema's exact maps as the control pictures pretrained video models were trained on: depth as a grey video
(near bright), flow on the Middlebury colour wheel, segmentation as colour masks, layout as coloured outlines on
white, and masks of black (keep) and white (generate). All are [T, H, W, 3] uint8 frames.

The pictures follow the annotators the models learnt from (see `hybrid.control_families`); only the maps are
exact instead of estimated.
"""

import numpy as np
from scipy import ndimage

from hybrid.preview import segmentation_image

# Baker et al., "A Database and Evaluation Methodology for Optical Flow" (2007): the colour wheel's hues, as
# steps between red, yellow, green, cyan, blue and magenta (and back to red), with these many steps each.
WHEEL_STEPS = ((15, (1, 0, 0), (1, 1, 0)), (6, (1, 1, 0), (0, 1, 0)), (4, (0, 1, 0), (0, 1, 1)),
               (11, (0, 1, 1), (0, 0, 1)), (13, (0, 0, 1), (1, 0, 1)), (6, (1, 0, 1), (1, 0, 0)))
OUTLINE_PIXELS = 3  # the width of a layout outline, as VACE's layout annotator draws contours
KEEP, GENERATE = 0, 255  # mask values: black keeps the given pixels, white generates them


def disparity_of(depth: np.ndarray) -> np.ndarray:
    """[T, H, W] planar depth (0 = no surface) -> 1 / depth (1/m), 0 where there is no surface; same dtype."""
    return np.where(depth > 0, 1.0 / np.maximum(depth, 1e-6), 0.0)


def disparity_video(depth: np.ndarray) -> np.ndarray:
    """[T, H, W] planar depth (0 = no surface) -> [T, H, W, 3] grey: disparity min-max normalised per frame."""
    disparity = disparity_of(depth)  # [T, H, W]
    low = disparity.min(axis=(1, 2), keepdims=True)
    span = disparity.max(axis=(1, 2), keepdims=True) - low
    grey = np.where(span > 0, (disparity - low) / np.where(span > 0, span, 1.0), 0.0)
    return np.repeat(np.round(grey * 255).astype(np.uint8)[..., None], 3, axis=-1)


def colour_wheel() -> np.ndarray:
    """[55, 3] float in [0, 1]: the Middlebury flow colour wheel, from red through yellow, green, cyan, blue and
    magenta."""
    colours = [np.linspace(start, stop, steps, endpoint=False) for steps, start, stop in WHEEL_STEPS]
    return np.concatenate(colours)


def flow_wheel_video(flow: np.ndarray) -> np.ndarray:
    """[T, H, W, 2] flow in pixels -> [T, H, W, 3] uint8 on the Middlebury wheel: hue = direction, saturation =
    speed over the frame's largest speed; no motion is white."""
    wheel = colour_wheel().astype(np.float32)
    speed = np.hypot(flow[..., 0], flow[..., 1]).astype(np.float32)  # [T, H, W]
    speed /= speed.max(axis=(1, 2), keepdims=True) + 1e-5  # in [0, 1)
    video = np.full((*speed.shape, 3), 255, np.uint8)  # no motion is white
    moving = speed > 0  # only these are coloured: most pixels of a scene stand still
    dx, dy, speed = flow[moving][:, 0].astype(np.float32), flow[moving][:, 1].astype(np.float32), speed[moving]
    position = (np.arctan2(-dy, -dx) / np.pi + 1) / 2 * (len(wheel) - 1)  # [N] in [0, 54]
    below = np.minimum(np.floor(position).astype(np.int64), len(wheel) - 1)
    fraction = (position - below)[:, None]
    hue = (1 - fraction) * wheel[below] + fraction * wheel[(below + 1) % len(wheel)]  # [N, 3]
    colour = 1 - speed[:, None] * (1 - hue)  # slow is pale, the fastest the full hue
    video[moving] = np.floor(255 * colour + 1e-4).astype(np.uint8)
    return video


def from_previous_frame(flow: np.ndarray) -> np.ndarray:
    """kinema's forward flow (frame t -> t + 1) re-indexed as VACE's annotator orders it: frame t holds the flow
    from t - 1 to t, and frame 0 repeats frame 1's. Same [T, H, W, 2]."""
    return np.concatenate([flow[:1], flow[:-1]])


def segmentation_video(segmentation: np.ndarray) -> np.ndarray:
    """[T, H, W] instance ids -> [T, H, W, 3] colour masks on black, one colour per body."""
    return segmentation_image(segmentation)


def layout_video(segmentation: np.ndarray) -> np.ndarray:
    """[T, H, W] instance ids -> [T, H, W, 3]: each body's outline, OUTLINE_PIXELS wide, in its colour on
    white, as VACE's layout annotator draws tracked masks."""
    colours = segmentation_image(np.arange(int(segmentation.max()) + 1)[None, None])[0, 0]  # [K + 1, 3]
    canvas = np.full((*segmentation.shape, 3), 255, np.uint8)
    edge = np.ones((1, 3, 3), bool)  # grows within a frame, never across frames
    grow = (OUTLINE_PIXELS - 1) // 2
    for body, box in enumerate(ndimage.find_objects(segmentation), 1):  # each body's [T, H, W] bounding box
        if box is None:
            continue
        box = (box[0], *(slice(max(0, s.start - grow), s.stop + grow) for s in box[1:]))  # room for the outline
        inside = segmentation[box] == body
        boundary = inside & ~ndimage.binary_erosion(inside, structure=edge, border_value=0)
        outline = ndimage.binary_dilation(boundary, structure=edge, iterations=grow) if grow else boundary
        canvas[box][outline] = colours[body]
    return canvas


def mask_video(num_frames: int, height: int, width: int, keep_first: bool = False) -> np.ndarray:
    """[T, H, W, 3] uint8: white (generate) everywhere, or with `keep_first` frame 0 black (keep)."""
    mask = np.full((num_frames, height, width, 3), GENERATE, np.uint8)
    if keep_first:
        mask[0] = KEEP
    return mask


def first_frame_video(rgb: np.ndarray) -> np.ndarray:
    """[T, H, W, 3] uint8: the first frame, then grey (the pixel value 0 in [-1, 1]) for the frames to generate."""
    video = np.full_like(rgb, 128)
    video[0] = rgb[0]
    return video
