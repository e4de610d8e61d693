"""Independent reference for the Physics-IQ benchmark metrics, built with OpenCV.

Follows google-deepmind/physics-IQ-benchmark step by step:
``code/binary_mask_generator.py`` (motion masks), ``code/calculate_and_write_metrics_to_csv.py``
(per-view metrics) and ``code/calculate_iq_score.py`` (the score). All public functions take
RGB uint8 videos shaped [T, H, W, 3]. The in-memory functions skip the video codec; the
``*_through_files`` one round-trips every video through mp4v files the way the benchmark runs.
"""

import pathlib

import cv2
import numpy as np

_KERNEL = np.ones((5, 5), np.uint8)  # the mask generator's morphology kernel
_SECONDS = 5  # the metric script keeps the first fps * 5 frames
_KEYS = ("spatial_iou", "spatiotemporal_iou", "weighted_spatial_iou", "mse")
_KEYS += tuple(f"variance_{k}" for k in _KEYS)


def _raw_masks(bgr_frames) -> list[np.ndarray]:
    """Full-size 0/255 uint8 masks, one per BGR frame, as ``generate_mask`` makes them."""
    frames = iter(bgr_frames)
    grey = cv2.GaussianBlur(cv2.cvtColor(next(frames), cv2.COLOR_BGR2GRAY), (5, 5), 0)
    avg = grey.astype("float")  # float64 running background, seeded by frame 0
    masks = [np.zeros_like(grey, dtype=np.uint8)]  # frame 0 never has motion
    for frame in frames:
        grey = cv2.GaussianBlur(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), (5, 5), 0)
        # avg = 0.7 avg + 0.3 grey, updated *before* the difference is taken; then
        # convertScaleAbs rounds it (via float32, half to even) and saturates to uint8.
        cv2.accumulateWeighted(grey, avg, 0.3)
        diff = cv2.absdiff(grey, cv2.convertScaleAbs(avg))
        _, binary = cv2.threshold(diff, 10, 255, cv2.THRESH_BINARY)  # strictly > 10
        binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, _KERNEL)
        masks.append(cv2.morphologyEx(binary, cv2.MORPH_CLOSE, _KERNEL))
    return masks


def _bgr(video: np.ndarray) -> list[np.ndarray]:
    return [cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2BGR) for f in video]


def _quarter(shape) -> tuple[int, int]:
    """The metric script's cv2 target size (width, height), from the take-1 video."""
    return shape[1] // 4, shape[0] // 4


def _quarter_masks(video: np.ndarray, size) -> list[np.ndarray]:
    """Masks as the metric script loads them: resized to ``size``, ``> 127``, 0/1 uint8.

    The generator's writer keeps only even widths/heights (OpenCV crops odd frames), so the
    full-size masks are cropped to even size first, as their video file would be.
    """
    h, w = video.shape[1] // 2 * 2, video.shape[2] // 2 * 2
    return [
        (cv2.resize(m[:h, :w], size) > 127).astype(np.uint8)
        for m in _raw_masks(_bgr(video))
    ]


def reference_masks(video: np.ndarray) -> np.ndarray:
    """Binary motion masks at quarter size, [T, H//4, W//4] bool, computed in memory."""
    return np.stack(_quarter_masks(video, _quarter(video.shape[1:3]))).astype(bool)


def reference_quarter_frames(video: np.ndarray) -> np.ndarray:
    """Frames as loaded for MSE: BGR, resized to quarter size, then / 255.0 (float64)."""
    size = _quarter(video.shape[1:3])
    return np.stack([cv2.resize(f, size) / 255.0 for f in _bgr(video)])


def _iou_per_frame(masks1, masks2) -> list[float]:
    """Per-frame IoU over ``zip`` (the shorter list wins); both empty counts 1.0."""
    out = []
    for m1, m2 in zip(masks1, masks2):
        union = np.logical_or(m1, m2).sum()
        out.append(1.0 if union == 0 else np.logical_and(m1, m2).sum() / union)
    return out


def _spatial(masks) -> np.ndarray:
    return (np.max(masks, axis=0) > 0).astype(np.uint8) * 255


def _weighted(masks) -> np.ndarray:
    return np.sum(masks, axis=0, dtype=np.uint16) / len(masks)


def _weighted_iou(a, b) -> float:
    union = np.maximum(a, b)
    valid = union > 0
    if valid.sum() == 0:
        return 1.0
    return np.sum(np.minimum(a, b)[valid]) / np.sum(union[valid])


def _mse_per_frame(frames1, frames2) -> list:
    if len(frames1) != len(frames2):
        raise ValueError("Videos must have the same number of frames.")
    return [
        np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2)
        for a, b in zip(frames1, frames2)
    ]


def _score(st, sp, w, mse, var_st, var_sp, var_w, var_mse) -> float:
    """``calculate_iq_score`` for one scenario whose three views are this one view.

    Per-frame lists are rounded to 4 decimals on parsing (Python ``round`` on floats); the
    variances are then averaged and rounded to 4 decimals, except the spatial one (5), with
    numpy's rounding since they are numpy floats; the spatial and weighted-spatial IoUs are
    used unrounded. The score is clipped to [0, 100] and rounded to 2 decimals.
    """

    def parsed_mean(values):
        return np.mean([round(float(v), 4) for v in values])

    st, mse = parsed_mean(st), parsed_mean(mse)
    var_st, var_mse = round(parsed_mean(var_st), 4), round(parsed_mean(var_mse), 4)
    var_sp, var_w = round(np.float64(var_sp), 5), round(np.float64(var_w), 4)
    score = ((st / var_st + sp / var_sp + w / var_w) / 3 - (mse - var_mse)) * 100
    return float(round(max(min(score, 100.0), 0.0), 2))


def _metrics(gen, v1, v2, m_gen, m1, m2) -> dict[str, float]:
    """``process_view`` on loaded lists: frames in [0, 1] and 0/1 uint8 masks."""
    st = _iou_per_frame(m1, m_gen)
    sp = _iou_per_frame([_spatial(m1)], [_spatial(m_gen)])[0]
    w = _weighted_iou(_weighted(m1), _weighted(m_gen))
    mse = _mse_per_frame(v1, gen)
    w1, w2 = _weighted(m1), _weighted(m2)
    union = np.maximum(w1, w2)
    var_w = 1.0 if np.sum(union) == 0 else np.sum(np.minimum(w1, w2)) / np.sum(union)
    var_sp = np.mean(_iou_per_frame([_spatial(m1)], [_spatial(m2)]))
    var_st = _iou_per_frame(m1, m2)
    var_mse = _mse_per_frame(v1, v2)
    means = (sp, np.mean(st), w, np.mean(mse), var_sp, np.mean(var_st), var_w)
    out = {k: float(v) for k, v in zip(_KEYS, (*means, np.mean(var_mse)))}
    out["score"] = _score(st, sp, w, mse, var_st, var_sp, var_w, var_mse)
    return out


def reference_metrics(generated, take1, take2, fps: int) -> dict[str, float]:
    """Per-view metrics in memory: generated vs take1 ("v1"), variances take1 vs take2.

    The benchmark reads its grey mask videos back as 3-channel BGR frames whose channels are
    equal, so every intersection, union and sum it takes is 3x the single-channel one and
    every ratio (and the max/min/``union > 0`` steps, which act per pixel) is unchanged; the
    single-channel masks used here therefore give the same numbers.
    """
    n = fps * _SECONDS
    videos = [np.asarray(v)[:n] for v in (generated, take1, take2)]
    size = _quarter(videos[1].shape[1:3])  # all are resized to take1's quarter size
    frames = [[cv2.resize(f, size) / 255.0 for f in _bgr(v)] for v in videos]
    # The masks are causal (frame t only sees frames <= t): truncating first is safe.
    masks = [_quarter_masks(v, size) for v in videos]
    return _metrics(*frames, *masks)


def _write(path: pathlib.Path, frames, fps: int, is_color: bool = True) -> None:
    """An mp4v video at an even size (as the generator opens it; OpenCV crops odd frames)."""
    h, w = frames[0].shape[:2]
    fourcc, size = cv2.VideoWriter_fourcc(*"mp4v"), (w - w % 2, h - h % 2)
    writer = cv2.VideoWriter(str(path), fourcc, fps, size, isColor=is_color)
    for frame in frames:
        writer.write(frame)
    writer.release()


def _read(path: pathlib.Path, end: int, size=None, normalize=True) -> list[np.ndarray]:
    """``load_and_resize_video``: frames [0, end), optionally resized and / 255.0."""
    cap, frames = cv2.VideoCapture(str(path)), []
    while cap.isOpened():
        ok, frame = cap.read()
        if not ok or len(frames) >= end:
            break
        frame = cv2.resize(frame, size) if size else frame
        frames.append(frame / 255.0 if normalize else frame)
    cap.release()
    return frames


def _mask_file(video_path: pathlib.Path, mask_path: pathlib.Path) -> None:
    """``generate_mask``: decode the video, write its masks as a grey mp4v video."""
    cap, frames = cv2.VideoCapture(str(video_path)), []
    fps = round(cap.get(cv2.CAP_PROP_FPS))
    while (frame := cap.read())[0]:
        frames.append(frame[1])
    cap.release()
    _write(mask_path, _raw_masks(frames), fps, is_color=False)


def reference_metrics_through_files(
    generated, take1, take2, fps: int, folder: pathlib.Path
) -> dict[str, float]:
    """The same metrics, run as the benchmark runs: every video and mask goes through mp4v."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = ("generated", "take1", "take2")
    for name, video in zip(names, (generated, take1, take2)):
        _write(folder / f"{name}.mp4", _bgr(video), fps)
        _mask_file(folder / f"{name}.mp4", folder / f"{name}_mask.mp4")
    n = fps * _SECONDS
    size = _quarter(_read(folder / "take1.mp4", 1, normalize=False)[0].shape)
    frames = [_read(folder / f"{name}.mp4", n, size) for name in names]
    # The masks come back as 3-channel BGR frames, exactly as the benchmark reads them.
    masks = [
        _read(folder / f"{name}_mask.mp4", n, size, normalize=False) for name in names
    ]
    masks = [[(m > 127).astype(np.uint8) for m in ms] for ms in masks]
    return _metrics(*frames, *masks)
