"""Pictures of control maps for people: depth as a colour ramp, segmentation as a palette, flow as a colour
wheel (hue = direction, saturation = speed, as in the Middlebury flow benchmark), the ground's texture
coordinates as a UV map (red = u, green = v within each tile), side by side with RGB."""

import numpy as np

from sim.frames import Frames


def depth_image(depth: np.ndarray, z_near: float | None = None, z_far: float | None = None) -> np.ndarray:
    """[T, H, W] planar depth -> [T, H, W, 3] uint8: near is bright, far dark, no surface black."""
    surface = depth > 0
    if not surface.any():
        return np.zeros((*depth.shape, 3), np.uint8)
    near = depth[surface].min() if z_near is None else z_near
    far = depth[surface].max() if z_far is None else z_far
    inverse = np.where(surface, 1.0 / np.maximum(depth, 1e-6), 0.0)
    scaled = (inverse - 1.0 / far) / max(1.0 / near - 1.0 / far, 1e-9)
    scaled = np.clip(scaled, 0.0, 1.0) * surface
    ramp = np.stack([scaled**0.5, scaled**1.5, 0.35 + 0.65 * scaled], axis=-1) * surface[..., None]
    return (ramp * 255).astype(np.uint8)


def segmentation_image(segmentation: np.ndarray) -> np.ndarray:
    """[T, H, W] instance ids -> [T, H, W, 3] uint8; id 0 is black, others get well-separated hues."""
    ids = np.arange(int(segmentation.max()) + 1)
    hue = (ids * 0.618033988749895) % 1.0  # golden-ratio steps keep neighbouring ids apart
    palette = hsv_to_rgb(hue, np.full_like(hue, 0.75), np.full_like(hue, 0.95))
    palette[0] = 0.0
    return (palette[segmentation] * 255).astype(np.uint8)


def flow_image(flow: np.ndarray, valid: np.ndarray, max_magnitude: float | None = None) -> np.ndarray:
    """[T, H, W, 2] flow -> [T, H, W, 3] uint8 colour wheel; invalid pixels are grey."""
    magnitude = np.linalg.norm(flow, axis=-1)
    scale = max_magnitude or max(float(magnitude[valid].max()) if valid.any() else 0.0, 1e-6)
    hue = (np.arctan2(-flow[..., 1], flow[..., 0]) / (2 * np.pi)) % 1.0
    saturation = np.clip(magnitude / scale, 0.0, 1.0)
    colour = hsv_to_rgb(hue, saturation, np.ones_like(hue))
    colour[~valid] = 0.5
    return (colour * 255).astype(np.uint8)


def uv_image(uv: np.ndarray) -> np.ndarray:
    """[T, H, W, 2] ground texture coordinates (NaN off the ground) -> [T, H, W, 3] uint8: red = u and green = v
    within their tile, blue a constant 0.5; black off the ground."""
    ground = ~np.isnan(uv[..., 0])
    within = np.nan_to_num(uv) % 1.0  # [T, H, W, 2]
    colour = np.concatenate([within, np.full_like(within[..., :1], 0.5)], axis=-1) * ground[..., None]
    return (colour * 255).astype(np.uint8)


def hsv_to_rgb(hue: np.ndarray, saturation: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Vectorised HSV -> RGB in [0, 1]; inputs of any matching shape, output shape + (3,)."""
    sector = np.floor(hue * 6.0).astype(int) % 6
    fraction = hue * 6.0 - np.floor(hue * 6.0)
    p, q, t = value * (1 - saturation), value * (1 - fraction * saturation), value * (1 - (1 - fraction) * saturation)
    choices = [(value, t, p), (q, value, p), (p, value, t), (p, q, value), (t, p, value), (value, p, q)]
    rgb = np.zeros((*hue.shape, 3))
    for index, channels in enumerate(choices):
        mask = sector == index
        for c in range(3):
            rgb[..., c][mask] = channels[c][mask]
    return rgb


def control_strip(frames: Frames) -> np.ndarray:
    """[T, H, 5W, 3] uint8: RGB | depth | segmentation | flow | uv, for a preview video."""
    return np.concatenate([frames.rgb, *control_images(frames)], axis=2)


def control_images(frames: Frames) -> list[np.ndarray]:
    """[T, H, W, 3] uint8 pictures of each control: depth, segmentation, flow, uv."""
    return [depth_image(frames.depth), segmentation_image(frames.segmentation),
            flow_image(frames.flow, frames.valid_flow), uv_image(frames.ground_uv())]


def preview_strip(frames: Frames, video: np.ndarray) -> np.ndarray:
    """[T, H, 6W, 3] uint8: the controls (depth | segmentation | flow | uv), the simulator's render, the generated
    video."""
    return np.concatenate([*control_images(frames), frames.rgb, video], axis=2)


def label_columns(columns: dict[str, np.ndarray], label_height: int = 14) -> np.ndarray:
    """[T, label_height + H, W * n, 3] uint8: the [T, H, W, 3] videos side by side, each named above."""
    from PIL import Image, ImageDraw

    frames, height, width = next(iter(columns.values())).shape[:3]
    labels = []
    for name in columns:
        image = Image.new("RGB", (width, label_height), (0, 0, 0))
        ImageDraw.Draw(image).text((2, 1), name[: max(1, width // 6)], fill=(255, 255, 255))
        labels.append(np.asarray(image))
    header = np.broadcast_to(np.concatenate(labels, axis=1), (frames, label_height, width * len(columns), 3))
    return np.concatenate([header, np.concatenate(list(columns.values()), axis=2)], axis=1)
