"""The Physics-IQ benchmark's scores of a generated video against two takes of the truth, as the original
benchmark's code defines them (google-deepmind/physics-IQ-benchmark, `code/`: `binary_mask_generator.py`,
`calculate_and_write_metrics_to_csv.py`, `calculate_iq_score.py`; not the later "Physics-IQ Verified" scoring),
so kinema's numbers sit beside its leaderboard. One camera: the benchmark's three views are one here.

Motion masks, frame by frame: grey (OpenCV's fixed-point luma), a 5x5 Gaussian blur, a running background that
starts as the first blurred frame and takes 30 % of each new frame before the comparison (kept in float64,
rounded to uint8 to compare), motion where a pixel differs from it by more than 10 grey levels, then a 5x5 open
and a 5x5 close; frame 0's mask is empty. Masks and frames are then resized to a quarter of the width and height
(OpenCV's bilinear; masks kept above 127), and the first 5 s at the video's fps are scored. The masks are
bit-identical to OpenCV's (`tests/hybrid/test_physics_iq_benchmark.py` checks them against an OpenCV
re-implementation of the benchmark). Not reproduced: the benchmark stores videos and masks as lossy MPEG-4 files
and reads them back; here they stay exact arrays (at 64x64 the codec alone moves a score by 1-3 points).

Resolution: the benchmark's 5x5 kernels were made for its real recordings, many times larger than 64x64, where
5 px is a sliver of the frame. On a 64x64 video they span 8 % of its height, and the open would erase every
moving body thinner than 5 px (a domino seen edge on, a thin rod). kinema therefore scores a video as the
benchmark would score it upscaled UPSCALE = 4 times by nearest neighbour: the kernels then span 1.25 source
pixels, and the quarter-size masks and frames come out at the video's own resolution (64x64 for a 64x64 video),
exactly its pixels for the MSE. `upscale=1` is the benchmark verbatim.
"""

from collections.abc import Iterator
from dataclasses import astuple, dataclass, fields
from functools import cached_property

import numpy as np
from einops import repeat
from scipy import ndimage

from hybrid.errors import GenerationError

GREY_WEIGHTS = np.array([9798, 19235, 3735])  # OpenCV's RGB -> grey, 0.299, 0.587, 0.114 in 15-bit fixed point
BLUR_TAPS = np.array([1, 4, 6, 4, 1])  # OpenCV's 5-tap Gaussian for sigma 0, in sixteenths
BACKGROUND_RATE = 0.3  # the share of each new frame in the running background
MOTION_THRESHOLD = 10  # grey levels: a larger difference from the background is motion
KERNEL = np.ones((5, 5), dtype=bool)  # the open's and close's square
SECONDS = 5  # the benchmark scores the first 5 s
UPSCALE = 4  # see the module docstring
RESIZE_BITS = 11  # OpenCV's fixed-point bilinear weights


@dataclass(frozen=True)
class MotionScores:
    """Physics-IQ's four numbers for one video against one take (or between the two takes: the physical variance)."""

    spatial_iou: float  # IoU of where either ever moves (masks OR-ed over time); 1 if neither moves
    spatiotemporal_iou: float  # mean over frames of the per-frame mask IoU, a frame where neither moves counting 1
    weighted_spatial_iou: float  # sum(min) / sum(max) of how often each pixel moves, per frame of its own video
    mse: float  # mean over frames of the mean squared error of quarter-size frames in [0, 1]


@dataclass(frozen=True, eq=False)
class Clip:
    """A video as Physics-IQ sees it: its first 5 s as quarter-size motion masks and frames."""

    masks: np.ndarray  # [T, h, w] bool
    frames: np.ndarray  # [T, h, w, 3] float64 in [0, 1]

    @classmethod
    def of(cls, video: np.ndarray, fps: float, upscale: int = UPSCALE) -> "Clip":
        """The clip of a [T, H, W, 3] uint8 RGB video at `fps`, scored as if upscaled `upscale` times."""
        big = repeat(video[:round(fps) * SECONDS], "t h w c -> t (h a) (w b) c", a=upscale, b=upscale)
        masks = [_quarter(mask.astype(np.uint8) * 255) > 127 for mask in motion_masks(big)]
        return cls(np.stack(masks), np.stack([_quarter(frame) for frame in big]) / 255.0)


def motion_masks(video: np.ndarray) -> Iterator[np.ndarray]:
    """[H, W] bool per frame: the benchmark's full-size motion masks of a [T, H, W, 3] uint8 RGB video, one frame
    at a time (a 1024x1024 frame's intermediates are 8 MB; the whole video's would be gigabytes)."""
    background = None
    for frame in video:
        blurred = _blurred_grey(frame)
        if background is None:  # the first frame starts the background and has no motion
            background = blurred.astype(np.float64)
            yield np.zeros(blurred.shape, dtype=bool)
            continue
        background = blurred * BACKGROUND_RATE + background * (1 - BACKGROUND_RATE)
        # OpenCV rounds the float64 background through float32, half to even
        moving = np.abs(blurred - np.rint(background.astype(np.float32))) > MOTION_THRESHOLD
        # outside the image never erodes (border 1) and never dilates (border 0), as in OpenCV's morphology
        opened = ndimage.binary_dilation(ndimage.binary_erosion(moving, KERNEL, border_value=1), KERNEL)
        yield ndimage.binary_erosion(ndimage.binary_dilation(opened, KERNEL), KERNEL, border_value=1)


def _blurred_grey(frame: np.ndarray) -> np.ndarray:
    """[H, W] int64 in 0..255: OpenCV's fixed-point grey of an [H, W, 3] uint8 RGB frame, blurred with its
    bit-exact 5x5 Gaussian (mirrored borders, rounded)."""
    grey = (frame.astype(np.int64) @ GREY_WEIGHTS + (1 << 14)) >> 15  # equal to OpenCV's for all 2**24 colours
    blurred = ndimage.correlate1d(ndimage.correlate1d(grey, BLUR_TAPS, axis=0, mode="mirror"), BLUR_TAPS, axis=1,
                                  mode="mirror")
    return (blurred + 128) >> 8


def compare(video: Clip, take: Clip) -> MotionScores:
    """Physics-IQ's four numbers of `video` against `take`. Frames beyond the shorter clip are not compared (the
    benchmark's IoUs do the same; its MSE would refuse). The IoUs are NaN for a single frame, which cannot show
    motion (the benchmark would count its empty masks as a perfect match)."""
    if video.frames.shape[1:] != take.frames.shape[1:]:
        raise GenerationError(f"the video's frames are {_size(video)} at quarter size but the truth's are "
                              f"{_size(take)}; score a video of the truth's size")
    count = min(len(video.masks), len(take.masks))
    errors = ((video.frames[:count] - take.frames[:count]) ** 2).mean(axis=(1, 2, 3))
    if count < 2:
        return MotionScores(float("nan"), float("nan"), float("nan"), float(errors.mean()))
    per_frame = [_iou(a, b) for a, b in zip(video.masks[:count], take.masks[:count])]
    counts, take_counts = video.masks.sum(axis=0) / len(video.masks), take.masks.sum(axis=0) / len(take.masks)
    most = np.maximum(counts, take_counts).sum()
    return MotionScores(spatial_iou=_iou(video.masks.any(axis=0), take.masks.any(axis=0)),
                        spatiotemporal_iou=float(np.mean(per_frame)),
                        weighted_spatial_iou=float(np.minimum(counts, take_counts).sum() / most) if most else 1.0,
                        mse=float(errors.mean()))


def physics_iq_score(scores: MotionScores, variance: MotionScores) -> float:
    """The Physics-IQ score in [0, 100] as `calculate_iq_score.py` computes it: each IoU over its physical
    variance (the same IoU between the two takes), averaged, less the MSE beyond the takes', with the variances
    rounded as it rounds them (the spatial one to 5 decimals, the others to 4) and the score to 2 decimals. Its
    CSV also rounds every per-frame value to 4 decimals before averaging; kinema averages them exactly, which
    moves a score by a few hundredths at most. NaN if a number is NaN or a physical variance is 0 (the takes'
    masks never overlap), where the benchmark would divide by zero."""
    if np.isnan([*astuple(scores), *astuple(variance)]).any():
        return float("nan")
    spatial, spatiotemporal, weighted, mse = astuple(scores)
    variance_spatial = round(variance.spatial_iou, 5)
    variance_spatiotemporal, variance_weighted, variance_mse = (
        round(value, 4) for value in (variance.spatiotemporal_iou, variance.weighted_spatial_iou, variance.mse))
    if min(variance_spatial, variance_spatiotemporal, variance_weighted) <= 0:
        return float("nan")
    ratios = spatiotemporal / variance_spatiotemporal + spatial / variance_spatial + weighted / variance_weighted
    return round(max(min((ratios / 3 - (mse - variance_mse)) * 100, 100.0), 0.0), 2)


@dataclass(frozen=True, eq=False)
class Takes:
    """The truth's two takes as Physics-IQ sees them, made once and scored against every video of a scene."""

    first: Clip  # the ground truth the video is scored against (the benchmark's "v1")
    second: Clip  # the same scene filmed again: what differs between the takes is physical variance
    fps: float
    upscale: int = UPSCALE

    @classmethod
    def of(cls, truth: np.ndarray, second_take: np.ndarray, fps: float, upscale: int = UPSCALE) -> "Takes":
        """The takes of two [T, H, W, 3] uint8 RGB videos of the truth at `fps`."""
        return cls(Clip.of(truth, fps, upscale), Clip.of(second_take, fps, upscale), fps, upscale)

    @cached_property
    def variance(self) -> MotionScores:
        """The physical variance: the second take scored against the first."""
        return compare(self.second, self.first)

    def score(self, video: np.ndarray) -> dict[str, float]:
        """Every Physics-IQ number of a [T, H, W, 3] uint8 video, flat: "physics_iq_*" against the first take,
        "physical_variance_*" between the takes, "physics_iq_score", and "physics_iq_frames" (how many frames
        were scored, which weighs the run in `dataset_score`)."""
        clip = Clip.of(video, self.fps, self.upscale)
        scores = compare(clip, self.first)
        return _flat(scores, self.variance, physics_iq_score(scores, self.variance),
                     min(len(clip.masks), len(self.first.masks)))


def unscored() -> dict[str, float]:
    """`Takes.score`'s numbers, all NaN: for a run whose second take could not be made."""
    nan = float("nan")
    return _flat(MotionScores(nan, nan, nan, nan), MotionScores(nan, nan, nan, nan), nan, nan)


def _flat(scores: MotionScores, variance: MotionScores, score: float, frames: float) -> dict[str, float]:
    return {**{f"physics_iq_{name}": value for name, value in vars(scores).items()},
            **{f"physical_variance_{name}": value for name, value in vars(variance).items()},
            "physics_iq_score": score, "physics_iq_frames": frames}


PER_FRAME_VARIANCE = ("spatiotemporal_iou", "mse")  # the variances the benchmark averages over all frames


def dataset_score(rows: list[dict]) -> float:
    """The Physics-IQ score of many runs (rows holding `Takes.score`'s numbers) as the benchmark scores a model
    over its dataset: each number averaged over the runs first, then the score of the averages. As in
    `calculate_iq_score.py`, the spatiotemporal and MSE variances are means over every frame of every run (a run
    weighs its frame count), the rest means over runs. Runs whose numbers are NaN are left out."""
    names = [field.name for field in fields(MotionScores)]
    keys = [f"{kind}_{name}" for kind in ("physics_iq", "physical_variance") for name in names]
    rows = [row for row in rows if np.isfinite([row[key] for key in keys]).all()]
    if not rows:
        return float("nan")
    frames = [row["physics_iq_frames"] for row in rows]

    def mean(kind: str, name: str) -> float:
        weights = frames if kind == "physical_variance" and name in PER_FRAME_VARIANCE else None
        return float(np.average([row[f"{kind}_{name}"] for row in rows], weights=weights))

    return physics_iq_score(MotionScores(*(mean("physics_iq", name) for name in names)),
                            MotionScores(*(mean("physical_variance", name) for name in names)))


def _quarter(image: np.ndarray) -> np.ndarray:
    """[H // 4, W // 4, ...] uint8: OpenCV's bilinear resize (half-pixel centres, 11-bit weights, rounded) of an
    [H, W, ...] uint8 image to a quarter of its height and width: the rounded mean of the central 2x2 of each
    4x4 block when H and W are multiples of 4, as OpenCV's (kinema's 4x upscale always gives such sizes);
    otherwise pixels may differ from OpenCV's by one grey level, as its vectorised path drops 4 bits, and a mask
    pixel at the 127 threshold may flip."""
    weighted = image.astype(np.int64)
    for axis in (0, 1):
        low, high, weight = _bilinear_taps(image.shape[axis])
        shape = [1] * image.ndim
        shape[axis] = -1
        weight = weight.reshape(shape)
        weighted = np.take(weighted, low, axis=axis) * ((1 << RESIZE_BITS) - weight) + \
            np.take(weighted, high, axis=axis) * weight
    return ((weighted + (1 << (2 * RESIZE_BITS - 1))) >> (2 * RESIZE_BITS)).astype(np.uint8)


def _bilinear_taps(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two source indices and the fixed-point weight of the second, for each of size // 4 outputs."""
    source = (np.arange(size // 4) + 0.5) * (size / (size // 4)) - 0.5
    low = np.floor(source).astype(np.int64)
    weight = np.rint((source - low) * (1 << RESIZE_BITS)).astype(np.int64)
    weight[low < 0] = 0
    weight[low >= size - 1] = 0
    low = low.clip(0, size - 1)
    return low, np.minimum(low + 1, size - 1), weight


def _size(clip: Clip) -> str:
    """"WIDTHxHEIGHT" of a clip's quarter-size frames."""
    height, width = clip.frames.shape[1:3]
    return f"{width}x{height}"


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two bool masks; 1 when both are empty (they agree that nothing moves)."""
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0
