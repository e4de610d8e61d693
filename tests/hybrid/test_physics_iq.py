"""Physics-IQ's masks, metrics and score (`hybrid.physics_iq`) on clips whose answers are known: a white square
moving right on grey, 3 px a frame, as in the benchmark's own definition of the numbers."""

import math

import numpy as np
import pytest

from hybrid.errors import GenerationError
from hybrid.physics_iq import (
    Clip, MotionScores, Takes, compare, dataset_score, motion_masks, physics_iq_score, unscored,
)
from moving_square import FPS, FRAMES, GREY, SIZE, moving_square


def score(video: np.ndarray, truth: np.ndarray, **options) -> dict[str, float]:
    """Every number of `video` against `truth` filmed twice the same (no physical variance)."""
    return Takes.of(truth, truth, FPS, **options).score(video)


def test_a_video_identical_to_the_truth_scores_100():
    truth = moving_square()
    scores = score(truth, truth)
    assert scores["physics_iq_score"] == 100.0
    assert [scores[f"physics_iq_{name}"] for name in ("spatial_iou", "spatiotemporal_iou", "weighted_spatial_iou",
                                                      "mse")] == [1.0, 1.0, 1.0, 0.0]


def test_a_frozen_video_scores_near_0():
    """No mask ever: spatial and weighted IoU 0; only frame 0, where neither moves, counts in the spatiotemporal
    IoU (1 of 16 frames), so the score is 100 / 16 / 3 = 2.1 less the MSE, about 0.6."""
    scores = score(moving_square(still=True), moving_square())
    assert scores["physics_iq_spatial_iou"] == 0.0 and scores["physics_iq_weighted_spatial_iou"] == 0.0
    assert scores["physics_iq_spatiotemporal_iou"] == 1 / FRAMES
    assert 0.0 <= scores["physics_iq_score"] < 1.0


@pytest.mark.parametrize("upscale", [4, 1])
def test_every_number_falls_monotonically_as_the_video_is_shifted_further(upscale):
    truth = moving_square()
    results = [score(moving_square(shift=k), truth, upscale=upscale) for k in (0, 1, 2, 4, 6, 9)]
    for name in ("spatiotemporal_iou", "weighted_spatial_iou", "score"):
        values = [r[f"physics_iq_{name}"] for r in results]
        assert all(a > b for a, b in zip(values, values[1:])), (name, values)
    spatial = [r["physics_iq_spatial_iou"] for r in results]
    assert all(a >= b for a, b in zip(spatial, spatial[1:])) and spatial[-1] < spatial[0]
    mse = [r["physics_iq_mse"] for r in results]
    assert all(a < b for a, b in zip(mse, mse[1:]))


def test_a_colour_change_at_equal_brightness_is_not_motion():
    """A red (200, 50, 50) and a blue (0, 123, 200) have the same OpenCV grey, 95: flipping between them is
    invisible to the benchmark's grey masks, though every channel changes by 73 to 200 levels."""
    flicker = np.full((FRAMES, SIZE, SIZE, 3), GREY, dtype=np.uint8)
    flicker[:, 20:44, 20:44] = [200, 50, 50]
    flicker[1::2, 20:44, 20:44] = [0, 123, 200]
    assert not np.any(list(motion_masks(flicker)))
    still = flicker[:1].repeat(FRAMES, axis=0)
    scores = score(flicker, still)
    assert scores["physics_iq_spatial_iou"] == scores["physics_iq_spatiotemporal_iou"] == 1.0
    assert scores["physics_iq_mse"] > 0.0  # the MSE does see the colours


def test_the_background_takes_30_percent_of_a_frame_before_the_comparison():
    """A uniform grey step from 100 to 100 + s is motion only if s - round(100 + 0.3 s) + 100 > 10: s = 16
    differs from its background (104.8 -> 105) by 11, s = 14 (104.2 -> 104) by 10; the frame after the step
    differs by 8 (0.3 * 116 + 0.7 * 104.8 = 108.16) and is still."""
    def step(size: int) -> np.ndarray:
        video = np.full((4, 32, 32, 3), 100, dtype=np.uint8)
        video[2:] += size
        return np.array([mask.all() for mask in motion_masks(video)])

    assert step(16).tolist() == [False, False, True, False]
    assert not step(14).any()


def test_frame_0_has_an_empty_mask_and_only_the_first_5_seconds_count():
    clip = Clip.of(moving_square(frames=48), FPS)
    assert clip.masks.shape == (5 * FPS, SIZE, SIZE) and clip.frames.shape == (5 * FPS, SIZE, SIZE, 3)
    assert not clip.masks[0].any() and clip.masks[1:FRAMES].any(axis=(1, 2)).all()  # then it leaves the image
    assert 0.0 <= clip.frames.min() and clip.frames.max() == 1.0


def test_at_64_pixels_the_benchmark_kernels_erase_thin_bodies_that_kinema_upscale_keeps():
    """A 3 px square moving 3 px a frame: its motion is thinner than the 5x5 open, which erases it at the
    video's own size; scored 4x upscaled (kinema's default) it is seen."""
    small = moving_square(side=3)
    assert not Clip.of(small, FPS, upscale=1).masks.any()
    assert Clip.of(small, FPS).masks[1:].any(axis=(1, 2)).all()


def test_the_score_divides_each_iou_by_its_physical_variance_and_subtracts_the_excess_mse():
    scores, variance = MotionScores(0.3, 0.2, 0.25, 0.01), MotionScores(0.6, 0.5, 0.5, 0.004)
    assert physics_iq_score(scores, variance) == round(((0.2 / 0.5 + 0.3 / 0.6 + 0.25 / 0.5) / 3 - 0.006) * 100, 2)
    assert physics_iq_score(MotionScores(1, 1, 1, 0), variance) == 100.0  # clipped above
    assert physics_iq_score(MotionScores(0, 0, 0, 0.5), variance) == 0.0  # clipped below
    assert math.isnan(physics_iq_score(scores, MotionScores(0.0, 0.5, 0.5, 0.0)))  # the takes never overlap


def test_a_second_take_that_differs_lowers_the_bar_and_raises_the_score():
    truth, video = moving_square(), moving_square(shift=2)
    same = Takes.of(truth, truth, FPS).score(video)
    varied = Takes.of(truth, moving_square(shift=1), FPS).score(video)
    assert varied["physical_variance_spatiotemporal_iou"] < 1.0
    assert varied["physics_iq_spatiotemporal_iou"] == same["physics_iq_spatiotemporal_iou"]
    assert varied["physics_iq_score"] > same["physics_iq_score"]


def row(scores: tuple, variance: tuple, frames: int) -> dict[str, float]:
    names = ("spatial_iou", "spatiotemporal_iou", "weighted_spatial_iou", "mse")
    return {**{f"physics_iq_{n}": v for n, v in zip(names, scores)},
            **{f"physical_variance_{n}": v for n, v in zip(names, variance)}, "physics_iq_frames": frames}


def test_a_dataset_is_scored_on_its_averages_not_by_averaging_scores():
    rows = [row((0.2, 0.1, 0.1, 0.0), (1.0, 1.0, 1.0, 0.0), 16), row((0.6, 0.5, 0.3, 0.0), (0.2, 0.5, 0.2, 0.0), 16)]
    expected = physics_iq_score(MotionScores(0.4, 0.3, 0.2, 0.0), MotionScores(0.6, 0.75, 0.6, 0.0))
    assert dataset_score(rows) == expected == round((0.4 / 0.6 + 0.3 / 0.75 + 0.2 / 0.6) / 3 * 100, 2)
    assert dataset_score([*rows, unscored()]) == expected  # a run without a second take is left out
    assert math.isnan(dataset_score([])) and math.isnan(dataset_score([unscored()]))


def test_a_dataset_averages_the_spatiotemporal_and_mse_variances_over_frames_as_the_benchmark_does():
    """`calculate_iq_score.py` explodes the per-frame variance lists of every scenario into one mean; the
    model's own numbers, and the spatial variances, are means over scenarios."""
    rows = [row((0.5, 0.5, 0.5, 0.01), (1.0, 1.0, 1.0, 0.0), 10), row((0.5, 0.5, 0.5, 0.01), (0.5, 0.5, 0.5, 0.03), 30)]
    variance = MotionScores(0.75, (1.0 * 10 + 0.5 * 30) / 40, 0.75, (0.0 * 10 + 0.03 * 30) / 40)
    assert dataset_score(rows) == physics_iq_score(MotionScores(0.5, 0.5, 0.5, 0.01), variance)


def test_a_single_frame_cannot_show_motion_and_is_not_scored():
    truth = moving_square(frames=1)
    scores = Takes.of(truth, truth, FPS).score(truth[:, :, ::-1])  # mirrored: the square is elsewhere
    assert math.isnan(scores["physics_iq_spatiotemporal_iou"]) and math.isnan(scores["physics_iq_score"])
    assert scores["physics_iq_mse"] > 0.0 and scores["physics_iq_frames"] == 1
    assert set(unscored()) == set(scores) and all(math.isnan(value) for value in unscored().values())


def test_compare_counts_each_video_over_its_own_frames():
    """The weighted IoU divides each video's mask counts by its own frame count, as the benchmark does."""
    truth = Clip.of(moving_square(), FPS)
    short = Clip.of(moving_square(frames=8), FPS)
    assert compare(short, truth).spatiotemporal_iou == 1.0  # the frames both have agree
    assert compare(short, truth).weighted_spatial_iou < 1.0


def test_a_video_of_another_size_than_the_truth_is_refused_in_one_line():
    with pytest.raises(GenerationError, match="the video's frames are 8x8 at quarter size but the truth's are 16x16"):
        compare(Clip.of(moving_square()[:, ::2, ::2], FPS, upscale=1), Clip.of(moving_square(), FPS, upscale=1))
