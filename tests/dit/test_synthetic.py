"""MovingSquares: deterministic items, control maps that agree with the video, flow that warps the square."""

import numpy as np
import pytest
import torch

from dit.errors import DiTError
from dit.synthetic import BACKGROUNDS, COLOURS, MovingSquares


def test_items_are_a_function_of_seed_and_index():
    data = MovingSquares(16, seed=3, background="random")
    again = MovingSquares(16, seed=3, background="random")
    for index in (0, 7, 15):
        a, b = data[index], again[index]
        assert torch.equal(a["video"], b["video"]) and a["caption"] == b["caption"]
        assert all(torch.equal(a["controls"][k], b["controls"][k]) for k in a["controls"])
    other = MovingSquares(16, seed=4, background="random")
    assert any(not torch.equal(data[i]["video"], other[i]["video"]) for i in range(4))
    assert data[0]["caption"] == MovingSquares(16, seed=3, background="random")[0]["caption"]
    assert len({data[i]["caption"] for i in range(16)}) > 4
    with pytest.raises(IndexError):
        data[16]


def test_shapes_ranges_and_captions():
    data = MovingSquares(8, frames=6, height=24, width=40, seed=0)
    item = data[2]
    assert item["video"].shape == (3, 6, 24, 40) and item["video"].dtype == torch.float32
    assert item["video"].min() >= -1 and item["video"].max() <= 1
    shapes = {name: tuple(m.shape) for name, m in item["controls"].items()}
    assert shapes == {"depth": (1, 6, 24, 40), "flow": (3, 6, 24, 40), "segmentation": (1, 6, 24, 40)}
    assert item["control_mask"] == {"depth": True, "flow": True, "segmentation": True}
    d = data.describe(2)
    assert item["caption"] in data.captions()
    assert d["colour"] in item["caption"] and d["background"] in item["caption"]
    assert MovingSquares(4, caption="colour")[0]["caption"].endswith("square on a black background")
    assert MovingSquares(4, caption="none")[0]["caption"] == ""
    assert set(MovingSquares(4, controls=("depth",))[0]["controls"]) == {"depth"}


def test_the_square_moves_at_its_velocity_and_the_depth_and_segmentation_show_it():
    data = MovingSquares(32, frames=8, seed=1, background="random")
    for index in range(32):
        item, d = data[index], data.describe(index)
        masks = torch.from_numpy(data.square_masks(index))
        assert torch.equal(item["controls"]["depth"][0], masks.float())
        assert torch.equal(item["controls"]["segmentation"][0], masks.float())
        assert (masks.flatten(1).sum(1) == d["size"] ** 2).all()  # the whole square stays in view
        colour = torch.tensor(COLOURS[d["colour"]]) * 2 - 1
        background = torch.tensor(BACKGROUNDS[d["background"]]) * 2 - 1
        video = item["video"].permute(1, 2, 3, 0)  # [T, H, W, 3]
        assert torch.allclose(video[masks], colour.expand(int(masks.sum()), 3))
        assert torch.allclose(video[~masks], background.expand(int((~masks).sum()), 3))
        ys, xs = np.nonzero(data.square_masks(index)[3])
        assert (xs.min(), ys.min()) == (d["start"][0] + 3 * d["velocity"][0], d["start"][1] + 3 * d["velocity"][1])
        dx, dy = d["velocity"]
        said = {(1, 0): "to the right", (-1, 0): "to the left", (0, -1): "up", (0, 1): "down"}
        assert said[(int(np.sign(dx)), int(np.sign(dy)))] in item["caption"]


def test_flow_warps_every_valid_pixel_onto_the_same_surface_in_the_next_frame():
    data = MovingSquares(16, frames=6, height=20, width=28, seed=2)
    for index in range(16):
        item = data[index]
        flow = item["controls"]["flow"]
        segmentation = item["controls"]["segmentation"][0]
        frames, height, width = segmentation.shape
        nxt = torch.from_numpy(data.square_masks(index, frames + 1)[1:]).float()
        for t in range(frames):
            valid = flow[2, t] > 0
            ys, xs = torch.nonzero(valid, as_tuple=True)
            tx = (xs + flow[0, t, ys, xs] * width).round().long()
            ty = (ys + flow[1, t, ys, xs] * height).round().long()
            assert ((tx >= 0) & (tx < width) & (ty >= 0) & (ty < height)).all()
            assert torch.equal(nxt[t, ty, tx], segmentation[t, ys, xs])  # square to square, background to background
            assert (flow[:2, t][:, ~valid] == 0).all()
        assert (flow[2] == 0).any()  # the moving square covers some background at t + 1


@pytest.mark.parametrize("fields, message", [
    (dict(height=8, width=8, square_size=(6, 10)), "leaves a 8x8 image"),
    (dict(colours=("mauve",)), "unknown colours"),
    (dict(background="plaid"), "background must be"),
    (dict(caption="poem"), "caption must be one of"),
])
def test_invalid_settings_are_refused(fields, message):
    with pytest.raises(DiTError, match=message):
        MovingSquares(4, **fields)
