"""The scores of `hybrid.metrics` on hand-drawn scenes whose answers are known: coloured squares on a grey floor.

The scene: a red ball (body 1) falls 2 pixels a frame until it lands at frame 4, and a blue box (body 2) slides
right along the floor 1 pixel a frame; the ball is left of the box and higher in the image (behind it).
"""

import dataclasses
import math

import numpy as np
import pytest

from hybrid.metrics import (
    BETTER, _count_components, centroid_error, colour_errors, count_error, flicker, mask_iou, motion_ratio,
    permanence, is_better, psnr, psnr_at, relation_compliance, score_all, ssim, velocity_error, warping_error,
)
from hybrid.physics_iq import Takes
from scenes.parser import parse_prompt
from scenes.schema import Relation
from scenes.script import LIBRARY_DIR, load_script
from sim import render as render_scene
from sim import simulate
from sim.frames import Frames
from sim.rollout import Rollout

SIZE, SIDE, NUM_FRAMES = 32, 6, 10  # image side, square side (pixels) and frames
GREY = 128
LANDING = 4  # the frame the ball lands on the floor


def scene_graph(*relations: tuple[str, str, str]):
    """The parsed prompt's graph (red ball_1 left of blue box_1, grey ground) with extra relations."""
    graph = parse_prompt("a red ball to the left of a blue box")
    for subject, relation, obj in relations:
        graph.add_relation(Relation(subject=subject, relation=relation, object=obj))
    return graph


def corners() -> np.ndarray:
    """[T + 1, 2 bodies, 2] (x, y) of each square's top-left pixel: the ball falls then rests, the box slides."""
    t = np.arange(NUM_FRAMES + 1)
    ball = np.stack([np.full_like(t, 4), 4 + 2 * np.minimum(t, LANDING)], axis=-1)
    box = np.stack([12 + t, np.full_like(t, 20)], axis=-1)
    return np.stack([ball, box], axis=1)


def render(graph, positions: np.ndarray) -> Frames:
    """Frames of squares at `positions` [T + 1, N, 2] in the graph's body colours, with exact flow and validity."""
    count = positions.shape[0]
    colours = np.array([body.colour.rgb for body in graph.bodies]) * 255
    segmentation = np.zeros((count, SIZE, SIZE), dtype=np.int32)
    for t in range(count):
        for k, (x, y) in enumerate(positions[t], start=1):
            segmentation[t, y:y + SIDE, x:x + SIDE] = k
    palette = np.concatenate([[[GREY] * 3], colours]).round().astype(np.uint8)  # [N + 1, 3] by segment id
    step = np.concatenate([np.zeros((count - 1, 1, 2)), np.diff(positions, axis=0)], axis=1)  # [T, N + 1, 2]
    flow = np.stack([step[t][segmentation[t]] for t in range(count - 1)]).astype(np.float32)  # [T, H, W, 2]
    rows, columns = np.mgrid[:SIZE, :SIZE]
    valid = np.stack([_lands_on_itself(segmentation[t], segmentation[t + 1], flow[t], rows, columns)
                      for t in range(count - 1)])
    return Frames(rgb=palette[segmentation[:-1]], depth=np.ones((count - 1, SIZE, SIZE), dtype=np.float32),
                  segmentation=segmentation[:-1], flow=flow, valid_flow=valid,
                  intrinsics=np.tile(np.eye(3), (count, 1, 1)), world_from_camera=np.tile(np.eye(4), (count, 1, 1)),
                  z_near=0.05, z_far=100.0)


def _lands_on_itself(seg, seg_next, flow, rows, columns) -> np.ndarray:
    """[H, W] bool: the pixel's surface is inside the image and not occluded at t + 1 (integer flow)."""
    x, y = columns + flow[..., 0].astype(int), rows + flow[..., 1].astype(int)
    inside = (x >= 0) & (x < SIZE) & (y >= 0) & (y < SIZE)
    return inside & (seg_next[y.clip(0, SIZE - 1), x.clip(0, SIZE - 1)] == seg)


def rollout(graph, contacts) -> Rollout:
    """A rollout whose only use here is its contacts [C, 4] (frame, body a, body b, force)."""
    shape = (NUM_FRAMES + 1, len(graph.bodies))
    return Rollout(fps=8.0, step_hz=240, body_ids=tuple(graph.body_ids), positions=np.zeros((*shape, 3)),
                   orientations=np.tile([0.0, 0.0, 0.0, 1.0], (*shape, 1)), linear_velocity=np.zeros((*shape, 3)),
                   angular_velocity=np.zeros((*shape, 3)), contacts=np.array(contacts, dtype=float).reshape(-1, 4))


# The box rests on the floor from frame 1 and the ball lands at LANDING (and stays: a later row of the same pair).
CONTACTS = [(1, 0, 2, 10.0), (LANDING, 1, 0, 5.0), (LANDING + 1, 0, 1, 5.0)]


@pytest.fixture(scope="module")
def scene():
    graph = scene_graph()
    return render(graph, corners()), rollout(graph, CONTACTS), graph


def shifted(video: np.ndarray, dx: int, dy: int) -> np.ndarray:
    return np.roll(video, (dy, dx), axis=(1, 2))


def frozen(video: np.ndarray) -> np.ndarray:
    """Every frame the first."""
    return np.repeat(video[:1], len(video), axis=0)


def without_ball_from(frames: Frames, start: int) -> np.ndarray:
    """The render with the ball painted over with floor from frame `start` on."""
    video = frames.rgb.copy()
    video[start:][frames.segmentation[start:] == 1] = GREY
    return video


def takes(frames: Frames) -> Takes:
    """The truth filmed twice, the same both times (no physical variance)."""
    return Takes.of(frames.rgb, frames.rgb, fps=8)


def test_the_render_itself_scores_perfectly(scene):
    frames, sim, graph = scene
    scores = score_all(frames.rgb, frames, sim, graph, takes(frames))
    variance = {name: scores.pop(name) for name in list(scores) if name.startswith("physical_variance_")}
    assert variance == {"physical_variance_spatial_iou": 1.0, "physical_variance_spatiotemporal_iou": 1.0,
                        "physical_variance_weighted_spatial_iou": 1.0, "physical_variance_mse": 0.0}
    assert scores.pop("physics_iq_frames") == NUM_FRAMES
    assert set(scores) == set(BETTER) and all(type(value) is float for value in scores.values())
    assert scores == {
        "mask_iou": 1.0, "centroid_error_px": 0.0, "velocity_error_before_contact": 0.0,
        "velocity_error_after_contact": 0.0, "presence": 1.0, "appearances": 0.0, "disappearances": 0.0,
        "relation_compliance": 1.0, "count_error": 0.0, "flicker": 0.0, "warping_error": 0.0, "psnr": math.inf,
        "ssim": pytest.approx(1.0), "motion_ratio": 1.0, "physics_iq_spatial_iou": 1.0,
        "physics_iq_spatiotemporal_iou": 1.0, "physics_iq_weighted_spatial_iou": 1.0, "physics_iq_mse": 0.0,
        "physics_iq_score": 100.0,
    }


def test_a_frozen_video_scores_worse_on_every_score_that_tells_them_apart(scene):
    frames, sim, graph = scene
    perfect = score_all(frames.rgb, frames, sim, graph, takes(frames))
    still = score_all(frozen(frames.rgb), frames, sim, graph, takes(frames))
    differing = [name for name in perfect if perfect[name] != pytest.approx(still[name])]
    assert {"centroid_error_px", "velocity_error_before_contact", "warping_error", "motion_ratio",
            "physics_iq_score"} <= set(differing)
    for name in set(differing) & set(BETTER):
        assert is_better(name, perfect[name], still[name]), name


def test_centroid_error_of_a_shifted_video_is_the_shift(scene):
    frames, _, graph = scene
    assert centroid_error(frames.rgb, frames, graph) == 0.0
    assert centroid_error(shifted(frames.rgb, 4, 3), frames, graph) == pytest.approx(5.0)
    assert centroid_error(shifted(frames.rgb, -2, 0), frames, graph) == pytest.approx(2.0)


def test_a_missing_body_counts_as_the_image_diagonal(scene):
    frames, _, graph = scene
    error = centroid_error(without_ball_from(frames, 5), frames, graph)
    missing = 5  # of 2 groups x 10 frames scored
    assert error == pytest.approx(missing * math.hypot(SIZE, SIZE) / (2 * NUM_FRAMES))


def test_velocity_error_compares_image_velocities_around_contacts(scene):
    frames, sim, graph = scene
    assert velocity_error(shifted(frames.rgb, 3, 2), frames, sim, graph) == \
        {"before_contact": 0.0, "after_contact": 0.0}  # a shift keeps every velocity
    # Frozen: the falling ball's 2 px/frame before landing is missed; after its contacts the box's slide
    # (1 px/frame, its contact at frame 1 has no frames before) is missed and the resting ball is right.
    assert velocity_error(frozen(frames.rgb), frames, sim, graph) == \
        {"before_contact": pytest.approx(2.0), "after_contact": pytest.approx(0.5)}


def test_velocity_error_is_nan_without_contacts_or_a_visible_body(scene):
    frames, _, graph = scene
    no_contacts = velocity_error(frames.rgb, frames, rollout(graph, []), graph)
    assert all(math.isnan(value) for value in no_contacts.values())
    ball_only = rollout(graph, [(LANDING, 0, 1, 5.0)])
    gone = velocity_error(without_ball_from(frames, 0), frames, ball_only, graph)
    assert all(math.isnan(value) for value in gone.values())


def test_a_removed_body_loses_presence_and_disappears_once(scene):
    frames, _, graph = scene
    assert permanence(frames.rgb, frames, graph) == {"presence": 1.0, "appearances": 0.0, "disappearances": 0.0}
    assert permanence(without_ball_from(frames, 5), frames, graph) == \
        {"presence": 0.75, "appearances": 0.0, "disappearances": 1.0}
    flickering = frames.rgb.copy()
    flickering[3][frames.segmentation[3] == 2] = GREY  # the box vanishes for frame 3 only
    assert permanence(flickering, frames, graph) == {"presence": 0.95, "appearances": 1.0, "disappearances": 1.0}


def test_a_body_leaving_the_image_with_the_truth_is_no_event():
    graph = scene_graph()
    leaving = corners()
    leaving[:, 1, 0] = 19 + 3 * np.arange(NUM_FRAMES + 1)  # the box slides out on the right
    frames = render(graph, leaving)  # frame 4 shows 6 box pixels: too few to score, enough to count as shown
    assert permanence(frames.rgb, frames, graph) == {"presence": 1.0, "appearances": 0.0, "disappearances": 0.0}


def test_relations_hold_in_the_render_and_fail_when_mirrored(scene):
    frames, _, graph = scene
    assert relation_compliance(frames.rgb, frames, graph) == 1.0
    assert relation_compliance(frames.rgb[:, :, ::-1], frames, graph) == 0.0  # the ball is now right of the box
    depth = scene_graph(("box_1", "in_front_of", "ball_1"), ("ball_1", "behind", "box_1"),
                        ("ball_1", "right_of", "box_1"))
    assert relation_compliance(frames.rgb, frames, depth) == pytest.approx(3 / 4)  # all but right_of


def test_relations_are_checked_in_the_first_frame_showing_both(scene):
    frames, _, graph = scene
    video = frames.rgb.copy()
    video[:2][frames.segmentation[:2] == 1] = GREY  # no ball in frames 0 and 1
    video[2:] = video[2:, :, ::-1]  # then the scene mirrored: the ball right of the box
    assert relation_compliance(video, frames, graph) == 0.0


def test_relation_compliance_is_nan_without_an_image_relation(scene):
    frames, _, _ = scene
    near = parse_prompt("a red ball near a blue box")
    assert [relation.relation for relation in near.relations] == ["near"]
    assert math.isnan(relation_compliance(frames.rgb, frames, near))


def test_count_error_counts_a_split_body_and_ignores_specks(scene):
    frames, _, graph = scene
    split = frames.rgb.copy()
    split[:, :, 7] = GREY  # a floor-coloured column through the ball (columns 4-9) cuts it in two
    split[:, 0, 0] = frames.rgb[0, 4, 4]  # and one stray ball-red pixel, too small to count
    assert count_error(frames.rgb, frames, graph) == 0.0
    assert count_error(split, frames, graph) == pytest.approx(0.5)  # 1 extra piece for 1 of 2 groups


def test_components_are_four_connected_and_large_enough():
    masks = np.zeros((2, 8, 8), dtype=bool)
    masks[0, 1:7, 1] = masks[0, 6, 1:7] = masks[0, 1:7, 6] = True  # a U: one component
    masks[0, 0, 7] = True  # a single pixel
    masks[1, 0, 0] = masks[1, 1, 1] = masks[1, 2, 2] = True  # touching only at corners: three
    masks[1, 4:6, 4:6] = True
    assert _count_components(masks, 1).tolist() == [2, 4]
    assert _count_components(masks, 2).tolist() == [1, 1]


def test_keyed_scores_are_nan_without_keyable_bodies(scene):
    _, sim, _ = scene
    graph = scene_graph()
    for body in graph.bodies:  # bodies the floor's colour cannot be keyed
        graph.replace_body(body.model_copy(update={"colour": graph.ground.colour}))
    frames = render(graph, corners())
    video = frames.rgb
    assert math.isnan(mask_iou(video, frames, graph)) and math.isnan(centroid_error(video, frames, graph))
    assert math.isnan(relation_compliance(video, frames, graph)) and math.isnan(count_error(video, frames, graph))
    assert all(math.isnan(value) for value in permanence(video, frames, graph).values())
    assert all(math.isnan(value) for value in velocity_error(video, frames, sim, graph).values())


def test_flicker_measures_changes_of_the_still_background(scene):
    frames, _, _ = scene
    blinking = frames.rgb.copy()
    blinking[1::2] += 10  # every other frame 10 levels brighter
    assert flicker(frames.rgb, frames) == 0.0
    assert flicker(frozen(frames.rgb), frames) == 0.0  # a frozen video does not flicker either
    assert flicker(blinking, frames) == pytest.approx(10.0)
    moving_camera = dataclasses.replace(frames, flow=np.ones_like(frames.flow))
    assert math.isnan(flicker(blinking, moving_camera))


def test_warping_error_is_zero_for_the_truth_and_grows_when_frames_are_shuffled(scene):
    frames, _, _ = scene
    assert warping_error(frames.rgb, frames) == 0.0
    shuffled = frames.rgb[np.random.default_rng(0).permutation(NUM_FRAMES)]
    assert warping_error(shuffled, frames) > 1.0
    assert math.isnan(warping_error(frames.rgb, dataclasses.replace(frames, valid_flow=np.zeros_like(frames.valid_flow))))


def test_warping_samples_bilinearly_between_pixels():
    frames_count = 4
    ramp = 50 + 4 * np.arange(SIZE) - 2 * np.arange(frames_count)[:, None]  # [T, W]: moves right 0.5 px/frame
    rgb = np.broadcast_to(ramp[:, None, :, None], (frames_count, SIZE, SIZE, 3)).astype(np.uint8)
    valid = np.ones((frames_count, SIZE, SIZE), dtype=bool)
    valid[..., -1] = False  # the last column's point leaves the image
    frames = Frames(rgb=rgb, depth=np.ones(rgb.shape[:3], np.float32), segmentation=np.zeros(rgb.shape[:3], np.int32),
                    flow=np.full((*rgb.shape[:3], 2), [0.5, 0.0], np.float32), valid_flow=valid,
                    intrinsics=np.tile(np.eye(3), (frames_count + 1, 1, 1)),
                    world_from_camera=np.tile(np.eye(4), (frames_count + 1, 1, 1)), z_near=0.05, z_far=100.0)
    assert warping_error(rgb, frames) == pytest.approx(0.0)
    assert warping_error(frozen(rgb), frames) == pytest.approx(2.0)  # half a pixel of a 4-per-pixel ramp


def test_ssim_is_one_when_identical_and_matches_the_formula_on_flat_images(scene):
    frames, _, _ = scene
    assert ssim(frames.rgb, frames.rgb) == pytest.approx(1.0)
    noisy = (frames.rgb + np.random.default_rng(0).normal(0, 20, frames.rgb.shape)).clip(0, 255).astype(np.uint8)
    assert 0.0 < ssim(noisy, frames.rgb) < 0.9
    a, b = np.full((2, 16, 16, 3), 100, np.uint8), np.full((2, 16, 16, 3), 120, np.uint8)
    c1 = (0.01 * 255) ** 2
    assert ssim(a, b) == pytest.approx((2 * 100 * 120 + c1) / (100**2 + 120**2 + c1))  # no variance: luminance only


def test_motion_ratio(scene):
    frames, _, _ = scene
    assert motion_ratio(frames.rgb, frames) == 1.0
    assert motion_ratio(frozen(frames.rgb), frames) == 0.0
    assert motion_ratio(shifted(frames.rgb, 2, 1), frames) == pytest.approx(1.0)
    still = dataclasses.replace(frames, rgb=frozen(frames.rgb))
    assert math.isnan(motion_ratio(frames.rgb, still))


def test_psnr_of_a_known_noise_level_is_its_closed_form(scene):
    """An error of exactly +-s on every value has mean square s^2, so PSNR = 20 log10(255 / s) dB."""
    frames, _, _ = scene
    reference = np.clip(frames.rgb, 8, 247)  # so that +-8 never clips
    signs = np.random.default_rng(0).choice([-1, 1], size=reference.shape)
    assert psnr(reference, reference) == math.inf
    for level, decibels in ((1, 48.131), (8, 30.069)):  # 20 log10(255), 20 log10(255 / 8)
        noisy = (reference.astype(np.int16) + level * signs).astype(np.uint8)
        assert psnr(noisy, reference) == pytest.approx(decibels, abs=1e-3)


def test_the_sampler_keeps_bodies_off_every_colour_a_wall_paint_hides_from_keying():
    from hybrid.metrics import MAX_DISTANCE, _scaled_distance
    from scenes.vocabulary import COLOURS, WALL_COLOURS, WALL_LOOKALIKES

    for paint in WALL_COLOURS:
        wall = np.asarray(COLOURS[paint])[None]
        hidden = {name for name, rgb in COLOURS.items()
                  if min(_scaled_distance(np.asarray(rgb)[None], wall).min(),
                         _scaled_distance(wall, np.asarray(rgb)[None]).min()) < MAX_DISTANCE}
        assert hidden <= set(WALL_LOOKALIKES[paint]), paint


def test_colour_errors_and_psnr_at_64_score_regions_and_layout():
    graph = load_script(LIBRARY_DIR / "stack_on_crate.yaml")
    frames = render_scene(simulate(graph, seconds=0.5, fps=8), graph, size=128)
    assert all(error == 0 for error in colour_errors(frames.rgb, frames, graph).values())
    video = frames.rgb.copy()
    sky = frames.depth == 0
    video[sky] = (video[sky].astype(np.int16) - 12).clip(0, 255).astype(np.uint8)  # a sky 12 levels darker
    errors = colour_errors(video, frames, graph)
    assert 11 <= errors["sky"] <= 12 and errors["floor"] == 0 and set(errors) >= {"sky", "floor"}
    noisy = (frames.rgb.astype(np.int16) + np.random.default_rng(0).choice([-30, 30], frames.rgb.shape))
    noisy = noisy.clip(0, 255).astype(np.uint8)  # fine noise a downsampled view averages away
    assert psnr_at(noisy, frames.rgb) > psnr(noisy, frames.rgb) + 5  # 2x2 blocks halve the noise: +6 dB
