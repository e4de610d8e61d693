"""Camera intrinsics, image sizes and paths: one pose and K per frame -1..T, moving as the path says."""

import math

import numpy as np
import pytest

from handmade import body, rollout, scene
from scenes.schema import CameraPath
from sim import camera_track, resolution
from sim.camera import intrinsics
from sim.errors import SimError

FRAMES = 12
WIDTH, HEIGHT = 160, 120
LOOK_AT = np.array([0.0, 0.0, 0.3])


def track(path: CameraPath, bodies=(), velocities=None):
    graph = scene(list(bodies), path=path)
    return camera_track(graph, rollout(graph, FRAMES, velocities=velocities), WIDTH, HEIGHT)


def eyes(made) -> np.ndarray:
    return made.world_from_camera[:, :3, 3]  # [T + 2, 3]


def forward(made) -> np.ndarray:
    return -made.world_from_camera[:, :3, 2]  # [T + 2, 3] viewing directions


def project(made, row: int, point) -> np.ndarray:
    """(u, v) of a world point in the image of track row `row` (frame row - 1)."""
    x, y, z = (np.linalg.inv(made.world_from_camera[row]) @ [*point, 1.0])[:3]
    k = made.intrinsics[row]
    return np.array([k[0, 2] + k[0, 0] * x / -z, k[1, 2] - k[1, 1] * y / -z])


def heading(vector) -> float:
    return math.atan2(vector[1], vector[0])


def test_intrinsics_have_square_pixels_and_a_centred_principal_point():
    assert np.allclose(intrinsics(math.radians(90.0), 200, 100), [[50, 0, 100], [0, 50, 50], [0, 0, 1]])


@pytest.mark.parametrize("aspect, expected", [("1:1", (128, 128)), ("16:9", (228, 128)), ("9:16", (128, 228)),
                                              ("4:3", (170, 128))])
def test_resolution_puts_size_on_the_shorter_side_and_keeps_both_even(aspect, expected):
    assert resolution(128, aspect) == expected


def test_an_unknown_aspect_lists_the_supported_ones():
    with pytest.raises(SimError, match="16:9, 9:16, 1:1, 4:3"):
        resolution(128, "3:2")


def test_an_odd_size_is_refused():
    with pytest.raises(SimError, match="even"):
        resolution(127, "1:1")


def test_a_track_has_frames_minus_one_to_T_with_rigid_poses_looking_at_the_target():
    made = track(CameraPath())
    assert made.intrinsics.shape == (FRAMES + 2, 3, 3) and made.world_from_camera.shape == (FRAMES + 2, 4, 4)
    assert made.num_frames == FRAMES and (made.width, made.height) == (WIDTH, HEIGHT)
    rotations = made.world_from_camera[:, :3, :3]
    assert np.allclose(rotations @ rotations.transpose(0, 2, 1), np.eye(3)) and np.allclose(np.linalg.det(rotations), 1)
    assert np.allclose(project(made, 1, LOOK_AT), [WIDTH / 2, HEIGHT / 2])
    assert abs(made.world_from_camera[1, 2, 0]) < 1e-12  # camera x stays horizontal: a level horizon


def test_a_static_camera_is_constant():
    made = track(CameraPath())
    assert np.array_equal(made.world_from_camera, np.repeat(made.world_from_camera[:1], FRAMES + 2, axis=0))
    assert np.array_equal(made.intrinsics, np.repeat(made.intrinsics[:1], FRAMES + 2, axis=0))


@pytest.mark.parametrize("motion, factor", [("zoom_in", 0.6), ("zoom_out", 1.4)])
def test_a_dolly_changes_the_distance_to_look_at_by_the_amount_over_the_clip(motion, factor):
    made = track(CameraPath(motion=motion, amount=0.4, zoom_mode="dolly"))
    distance = np.linalg.norm(eyes(made) - LOOK_AT, axis=1)
    start = distance[1]
    assert distance[-1] == pytest.approx(start * factor)
    assert np.allclose(np.diff(distance), distance[2] - distance[1])  # steady, extrapolated to frame -1
    assert np.allclose(forward(made), forward(made)[0]) and np.allclose(made.intrinsics, made.intrinsics[0])


@pytest.mark.parametrize("motion, scale", [("zoom_in", 1 / 0.6), ("zoom_out", 0.6)])
def test_a_focal_zoom_scales_the_focal_length_and_keeps_the_pose(motion, scale):
    made = track(CameraPath(motion=motion, amount=0.4, zoom_mode="focal"))
    focal = made.intrinsics[:, 0, 0]
    assert focal[-1] / focal[1] == pytest.approx(scale)
    assert np.allclose(made.intrinsics[:, 1, 1], focal)
    assert np.allclose(made.intrinsics[:, :2, 2], [WIDTH / 2, HEIGHT / 2])
    assert np.array_equal(made.world_from_camera, np.repeat(made.world_from_camera[:1], FRAMES + 2, axis=0))


@pytest.mark.parametrize("direction, turn", [("left", -1.0), ("right", 1.0)])
def test_an_orbit_keeps_distance_and_height_and_turns_by_the_amount(direction, turn):
    amount = math.radians(60.0)
    made = track(CameraPath(motion="orbit", direction=direction, amount=amount))
    offsets = eyes(made) - LOOK_AT
    assert np.allclose(np.linalg.norm(offsets[:, :2], axis=1), np.linalg.norm(offsets[1, :2]))
    assert np.allclose(offsets[:, 2], offsets[1, 2])
    turned = heading(offsets[-1]) - heading(offsets[1])  # counter-clockwise seen from above
    assert turned == pytest.approx(turn * amount)
    assert heading(offsets[0]) - heading(offsets[1]) == pytest.approx(-turn * amount / FRAMES)
    assert np.allclose([project(made, row, LOOK_AT) for row in range(FRAMES + 2)], [WIDTH / 2, HEIGHT / 2])


def test_orbiting_left_moves_the_camera_to_its_left_and_near_content_to_the_right():
    made = track(CameraPath(motion="orbit", direction="left", amount=math.radians(30.0)))
    right = made.world_from_camera[1, :3, 0]
    assert (eyes(made)[2] - eyes(made)[1]) @ right < 0
    near = LOOK_AT + 0.5 * (eyes(made)[1] - LOOK_AT) * [1, 1, 0]  # between the camera and look_at
    assert project(made, 2, near)[0] > project(made, 1, near)[0]


@pytest.mark.parametrize("direction, turn", [("left", 1.0), ("right", -1.0)])
def test_a_pan_keeps_the_eye_and_turns_the_view_by_the_amount(direction, turn):
    amount = math.radians(20.0)
    made = track(CameraPath(motion="pan", direction=direction, amount=amount))
    assert np.allclose(eyes(made), eyes(made)[1])
    assert heading(forward(made)[-1]) - heading(forward(made)[1]) == pytest.approx(turn * amount)
    # Looking more to the left slides what is seen to the right (and the other way round).
    assert np.sign(project(made, 2, LOOK_AT)[0] - project(made, 1, LOOK_AT)[0]) == turn


def test_track_keeps_the_offset_to_the_target_and_extrapolates_frame_minus_one():
    velocity = np.array([1.5, 0.5, 0.0])
    made = track(CameraPath(motion="track", target="ball"), [body("ball", "ball", "red", (0.5, 0.0, 0.15))],
                 {"ball": velocity})
    times = np.arange(-1, FRAMES + 1) / 8.0
    ball = np.array([0.5, 0.0, 0.15]) + times[:, None] * velocity  # [T + 2, 3]
    assert np.allclose(eyes(made) - ball, eyes(made)[1] - ball[1])
    assert np.allclose(forward(made), forward(made)[1])  # it translates with the ball, without turning


def test_tracking_a_body_not_in_the_rollout_is_an_error():
    graph = scene([body("ball", "ball", "red", (0.0, 0.0, 0.15))], path=CameraPath(motion="track", target="ball"))
    other = scene([body("cube", "cube", "red", (0.0, 0.0, 0.15))])
    with pytest.raises(SimError, match="tracks 'ball'"):
        camera_track(graph, rollout(other, FRAMES), WIDTH, HEIGHT)
