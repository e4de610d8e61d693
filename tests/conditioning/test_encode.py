"""Frames -> Controls: value ranges, exact ids through resizing, flow normalisation, missing branches."""

import dataclasses

import numpy as np
import pytest
import torch

from conditioning import BRANCHES, ConditioningError, encode_controls
from sim.appearance import TEXTURE_PERIOD
from sim.frames import Frames


def make_frames(num_frames=2, height=8, width=12, depth=None, segmentation=None, flow=None, valid=None) -> Frames:
    """A hand-made clip: a box at 2 m on a wall at 4 m by default, moving 3 px right and 1 px down."""
    shape = (num_frames, height, width)
    if depth is None:
        depth = np.full(shape, 4.0, np.float32)
        depth[:, 2:6, 3:7] = 2.0
    if segmentation is None:
        segmentation = np.zeros(shape, np.int32)
        segmentation[:, 2:6, 3:7] = 1
        segmentation[:, 6:, 8:] = 7
    if flow is None:
        flow = np.zeros((*shape, 2), np.float32)
        flow[..., 0], flow[..., 1] = 3.0, 1.0
    if valid is None:
        valid = np.ones(shape, bool)
    return Frames(rgb=np.zeros((*shape, 3), np.uint8), depth=depth, segmentation=segmentation, flow=flow,
                  valid_flow=valid, intrinsics=np.tile(np.eye(3), (num_frames + 1, 1, 1)),
                  world_from_camera=np.tile(np.eye(4), (num_frames + 1, 1, 1)), z_near=0.05, z_far=50.0)


def test_controls_are_a_batch_of_one_with_the_documented_shapes():
    controls = encode_controls(make_frames(num_frames=3))
    assert controls.names == BRANCHES
    assert controls.maps["depth"].shape == (1, 1, 3, 8, 12)
    assert controls.maps["flow"].shape == (1, 3, 3, 8, 12)
    assert controls.maps["segmentation"].shape == (1, 1, 3, 8, 12)
    assert all(m.dtype == torch.float32 for m in controls.maps.values())
    assert all(p.tolist() == [True] for p in controls.present.values())


def test_depth_is_inverse_depth_scaled_over_the_clips_near_and_far_with_zero_for_no_surface():
    depth = np.zeros((2, 4, 4), np.float32)  # background
    depth[0, 0, :] = 1.0  # the nearest surface
    depth[0, 1, :] = 2.0
    depth[1, 2, :] = 4.0  # the farthest
    inverse = encode_controls(make_frames(2, 4, 4, depth=depth)).maps["depth"][0, 0]
    assert inverse.min() == 0 and inverse.max() == 1
    assert torch.allclose(inverse[0, 0], torch.ones(4))
    assert torch.allclose(inverse[0, 1], torch.full((4,), (1 / 2 - 1 / 4) / (1 / 1 - 1 / 4)))  # 1/3
    assert (inverse[1, 2] == 0).all() and (inverse[0, 3] == 0).all() and (inverse[1, 0] == 0).all()


def test_depth_of_a_flat_or_empty_clip():
    flat = encode_controls(make_frames(depth=np.full((2, 8, 12), 3.0, np.float32))).maps["depth"]
    assert (flat == 1).all()
    empty = encode_controls(make_frames(depth=np.zeros((2, 8, 12), np.float32))).maps["depth"]
    assert (empty == 0).all()


def test_flow_is_divided_by_the_image_size_clipped_and_zero_where_not_valid():
    flow = np.zeros((2, 8, 12, 2), np.float32)
    flow[..., 0], flow[..., 1] = 3.0, -2.0
    flow[0, 0, 0] = (500.0, -500.0)  # leaves the image: clipped
    flow[1, 7, 11] = np.nan  # whatever the renderer leaves where flow is not valid
    valid = np.ones((2, 8, 12), bool)
    valid[1, 4:, 6:] = False
    encoded = encode_controls(make_frames(flow=flow, valid=valid)).maps["flow"][0]  # [3, T, H, W]
    assert encoded[0, 0, 1, 1] == pytest.approx(3 / 12) and encoded[1, 0, 1, 1] == pytest.approx(-2 / 8)
    assert encoded[:2, 0, 0, 0].tolist() == [1.0, -1.0]
    assert torch.equal(encoded[2].bool(), torch.from_numpy(valid))
    assert (encoded[:2, 1, 4:, 6:] == 0).all() and not encoded.isnan().any()


def test_resizing_keeps_segmentation_ids_exact_integers():
    segmentation = np.random.default_rng(0).integers(0, 9, (2, 24, 36)).astype(np.int32)
    segmentation[:, 8:16, 12:24] = 5
    frames = make_frames(2, 24, 36, depth=np.full((2, 24, 36), 2.0, np.float32), segmentation=segmentation)
    for size in [(12, 8), (18, 12), (50, 40)]:
        ids = encode_controls(frames, size=size, branches=["segmentation"]).maps["segmentation"]
        assert ids.shape == (1, 1, 2, size[1], size[0])
        assert torch.equal(ids, ids.round()) and set(ids.unique().tolist()) <= set(range(9))
    assert (encode_controls(frames, size=(12, 8)).maps["segmentation"][0, 0, :, 3:5, 5:7] == 5).all()


def test_normalised_flow_does_not_change_when_resized():
    """3 px of 12 is a quarter of the width at any size: 1.5 px of 6, 6 px of 24."""
    frames = make_frames(height=8, width=12)
    for size in [(6, 4), (24, 16), (9, 5)]:
        flow = encode_controls(frames, size=size).maps["flow"][0]
        assert torch.allclose(flow[0], torch.full_like(flow[0], 3 / 12))
        assert torch.allclose(flow[1], torch.full_like(flow[1], 1 / 8))
        assert (flow[2] == 1).all()


def test_invalid_flow_does_not_leak_into_resized_valid_flow():
    flow = np.zeros((2, 8, 12, 2), np.float32)
    flow[..., 0] = 6.0
    flow[:, :, 6:, 0] = 1000.0  # occluded half: garbage
    valid = np.ones((2, 8, 12), bool)
    valid[:, :, 6:] = False
    encoded = encode_controls(make_frames(flow=flow, valid=valid), size=(6, 4)).maps["flow"][0]
    assert torch.equal(encoded[2, :, :, :3], torch.ones(2, 4, 3)) and (encoded[2, :, :, 3:] == 0).all()
    assert torch.allclose(encoded[0, :, :, :3], torch.full((2, 4, 3), 6 / 12))
    assert (encoded[:2, :, :, 3:] == 0).all()


def test_shrinking_depth_averages_and_stays_in_range():
    depth = np.full((2, 8, 12), 4.0, np.float32)
    depth[:, :, :6] = 2.0  # left half near (1), right half far (0)
    inverse = encode_controls(make_frames(depth=depth), size=(6, 4)).maps["depth"][0, 0]
    assert inverse.min() >= 0 and inverse.max() <= 1
    assert torch.allclose(inverse[:, :, 0], torch.ones(2, 4)) and torch.allclose(inverse[:, :, 5], torch.zeros(2, 4))


def test_a_subset_of_branches_and_unknown_branches():
    controls = encode_controls(make_frames(), branches=("flow",))
    assert controls.names == ("flow",) and set(controls.present) == {"flow"}
    with pytest.raises(ConditioningError, match="normals"):
        encode_controls(make_frames(), branches=("depth", "normals"))
    with pytest.raises(ConditioningError, match="size"):
        encode_controls(make_frames(), size=(0, 8))


def test_uv_is_the_sine_and_cosine_of_the_grounds_texture_coordinates_and_zero_elsewhere():
    frames = make_frames(num_frames=2)
    k = np.diag([16.0, 16.0, 1.0])  # x = (column + 0.5) d / 16, y = -(row + 0.5) d / 16 (camera axes = world's)
    above = np.eye(4)
    above[2, 3] = 4.0  # the camera 4 m above the floor, looking straight down: the plane at 4 m is the ground
    frames = dataclasses.replace(frames, intrinsics=np.tile(k, (3, 1, 1)), world_from_camera=np.tile(above, (3, 1, 1)))
    frames.depth[1, 0, 0] = 0.0  # a sky pixel
    uv = encode_controls(frames).maps["uv"][0]  # [4, T, H, W]
    assert uv.shape == (4, 2, 8, 12)
    ground = torch.from_numpy((frames.depth > 0) & (frames.segmentation == 0))
    rows, columns = np.meshgrid(np.arange(8) + 0.5, np.arange(12) + 0.5, indexing="ij")
    u, v = columns * 4.0 / 16 / TEXTURE_PERIOD, -rows * 4.0 / 16 / TEXTURE_PERIOD  # the floor at 4 m
    expected = torch.from_numpy(np.stack([np.sin(2 * np.pi * u), np.cos(2 * np.pi * u), np.sin(2 * np.pi * v),
                                          np.cos(2 * np.pi * v)]).astype(np.float32))  # [4, H, W]
    assert torch.allclose(uv[:, 0][:, ground[0]], expected[:, ground[0]], atol=1e-5)
    assert (uv[:, ~ground] == 0).all()  # the box, the id-7 body and the sky
    walled = dataclasses.replace(frames, world_from_camera=np.tile(np.eye(4), (3, 1, 1)))  # the plane stands up
    assert (encode_controls(walled).maps["uv"] == 0).all()  # a wall is no ground
    assert not ground[1, 0, 0] and ground.sum() > 100
