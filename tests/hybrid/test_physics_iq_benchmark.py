"""kinema's Physics-IQ numbers against an independent OpenCV re-implementation of the benchmark's own code
(`physics_iq_reference`, written from google-deepmind/physics-IQ-benchmark without reading `hybrid.physics_iq`)."""

import numpy as np
import pytest

from hybrid.physics_iq import Clip, Takes
from moving_square import FPS, moving_square

cv2 = pytest.importorskip("cv2", reason="the test extras install OpenCV, the benchmark's own library")
from physics_iq_reference import reference_masks, reference_metrics, reference_metrics_through_files  # noqa: E402

NAMES = ("spatial_iou", "spatiotemporal_iou", "weighted_spatial_iou", "mse")


def random_motion(seed: int, frames: int, height: int, width: int) -> np.ndarray:
    """[T, H, W, 3] uint8: textured noise with blocks that jump, fade and change colour."""
    rng = np.random.default_rng(seed)
    video = np.repeat(rng.integers(0, 256, (1, height, width, 3)), frames, axis=0)
    for _ in range(4):
        y, x = rng.integers(0, height - 8), rng.integers(0, width - 8)
        dy, dx = rng.integers(-3, 4, 2)
        level = rng.integers(0, 256, 3)
        for t in range(frames):
            top, left = np.clip([y + dy * t, x + dx * t], 0, [height - 8, width - 8])
            video[t, top:top + rng.integers(2, 9), left:left + rng.integers(2, 9)] = level + 4 * t
    return video.clip(0, 255).astype(np.uint8)


@pytest.mark.parametrize("seed,height,width", [(0, 64, 64), (1, 48, 80), (2, 30, 66), (3, 128, 96)])
def test_masks_are_bit_identical_to_opencvs(seed, height, width):
    video = random_motion(seed, 12, height, width)
    clip = Clip.of(video, FPS, upscale=1)
    assert np.array_equal(clip.masks, reference_masks(video))
    upscaled = np.repeat(np.repeat(video, 4, axis=1), 4, axis=2)
    assert np.array_equal(Clip.of(video, FPS).masks, reference_masks(upscaled))


@pytest.mark.parametrize("upscale", [1, 4])
@pytest.mark.parametrize("shift,second_shift", [(0, 0), (1, 0), (2, 1), (6, 1), (None, 2)])
def test_metrics_and_score_match_the_benchmark(shift, second_shift, upscale):
    """The moving square (16 frames at 8 fps, 64x64) against itself, shifted, or frozen (shift None), with a
    second take shifted by `second_shift`: every number agrees; the score within the benchmark's CSV rounding."""
    truth, second = moving_square(), moving_square(shift=second_shift)
    video = moving_square(still=True) if shift is None else moving_square(shift=shift)
    ours = Takes.of(truth, second, FPS, upscale=upscale).score(video)
    big = [np.repeat(np.repeat(v, upscale, axis=1), upscale, axis=2) for v in (video, truth, second)]
    theirs = reference_metrics(*big, fps=FPS)
    for name in NAMES:
        assert ours[f"physics_iq_{name}"] == pytest.approx(theirs[name], abs=1e-6), name
        assert ours[f"physical_variance_{name}"] == pytest.approx(theirs[f"variance_{name}"], abs=1e-6), name
    assert ours["physics_iq_score"] == pytest.approx(theirs["score"], abs=0.03)


def test_the_benchmarks_lossy_video_files_move_a_score_by_a_few_points(tmp_path):
    """The benchmark reads every video and mask back from MPEG-4; kinema scores exact arrays."""
    truth, video = moving_square(), moving_square(shift=2)
    ours = Takes.of(truth, truth, FPS, upscale=1).score(video)["physics_iq_score"]
    through_files = reference_metrics_through_files(video, truth, truth, FPS, tmp_path)["score"]
    assert ours != through_files and abs(ours - through_files) < 3.0


def test_grey_and_blur_equal_opencvs_for_every_colour():
    """All 2**24 RGB colours as one 4096x4096 image: grey then blur, pixel for pixel."""
    from hybrid.physics_iq import _blurred_grey

    levels = np.arange(256, dtype=np.uint8)
    image = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(4096, 4096, 3)
    theirs = cv2.GaussianBlur(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    assert np.array_equal(_blurred_grey(image), theirs)
