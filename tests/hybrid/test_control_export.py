import json

import imageio.v2 as imageio
import numpy as np
import pytest

from hybrid.cli import main
from hybrid.control_export import MARKER, control_picture, export_controls
from hybrid.control_families import FAMILIES, family, frame_size, plan_frames, round_frames
from hybrid.control_videos import (disparity_video, first_frame_video, flow_wheel_video, from_previous_frame,
                                   layout_video, mask_video)
from hybrid.errors import GenerationError
from hybrid.filming import film
from hybrid.scene_input import load_scene
from mp4 import read_mp4 as read_video

PROMPT = "a red ball rolls toward a tower of three cubes"
VACE = FAMILIES["vace"]


@pytest.mark.parametrize("asked, made", [(81, 81), (80, 81), (83, 81), (44, 45), (46, 45), (1, 1), (2, 1), (49, 49)])
def test_frame_counts_are_rounded_as_diffusers_rounds_them(asked, made):
    # WanVACEPipeline: num_frames // 4 * 4 + 1 when num_frames % 4 != 1
    count, notice = round_frames(VACE, asked)
    assert count == made
    assert (notice is None) == (asked == made)
    if notice:
        assert f"{asked} frames is not 4k + 1" in notice and f"rounds it to {made}" in notice


def test_clips_longer_than_the_family_makes_are_refused_or_shortened():
    with pytest.raises(GenerationError, match="at most 81 frames"):
        round_frames(VACE, 85)
    count, fps, notices = plan_frames(VACE, duration=8.0, num_frames=None, fps=None)  # 128 frames at 16 fps
    assert (count, fps) == (81, 16) and "the first 81 are made" in notices[0]
    assert plan_frames(FAMILIES["cogvideox-fun"], 3.0, None, None)[:2] == (25, 8)  # 24 -> 4k + 1
    assert plan_frames(FAMILIES["raw"], 3.0, None, None)[:2] == (48, 16)  # raw keeps any count


def test_sizes_are_the_familys_trained_ones_or_rounded_down_to_its_multiple():
    assert frame_size(VACE, "480p", "16:9") == (832, 480, None)  # Wan's own 480p, not 853x480
    assert frame_size(VACE, "720p", "9:16") == (720, 1280, None)
    assert frame_size(VACE, "256p", "1:1") == (256, 256, None)
    width, height, notice = frame_size(VACE, "100x50", "16:9")
    assert (width, height) == (96, 48) and "not a multiple of 16" in notice
    assert frame_size(FAMILIES["raw"], "480p", "16:9")[:2] == (854, 480)
    for bad in ("big", "x480", "4k"):
        with pytest.raises(GenerationError, match="cannot read the resolution"):
            frame_size(VACE, bad)
    with pytest.raises(GenerationError, match="out of range"):
        frame_size(VACE, "8x8")
    with pytest.raises(GenerationError, match="unknown control format"):
        family("sora")


def test_depth_is_grey_disparity_normalised_per_frame_near_bright():
    depth = np.zeros((2, 2, 3), np.float32)
    depth[0] = [[1.0, 2.0, 4.0], [0.0, 1.0, 8.0]]  # 0: no surface (sky)
    depth[1] = [[2.0, 2.0, 2.0], [4.0, 4.0, 4.0]]
    grey = disparity_video(depth)
    assert grey.shape == (2, 2, 3, 3) and (grey[..., 0] == grey[..., 2]).all()
    first = grey[0, ..., 0].astype(int)
    assert first[0, 0] == 255 and first[1, 0] == 0  # the nearest is white, no surface black
    assert first[0, 0] > first[0, 1] > first[0, 2] > first[1, 2] > 0  # nearer is brighter
    assert first[0, 1] == round(255 * 0.5)  # disparity 1/2 of the range [0, 1]
    assert grey[1, 0, 0, 0] == 255 and grey[1, 1, 0, 0] == 0  # each frame spans 0-255 on its own


def test_flow_is_on_the_middlebury_colour_wheel():
    directions = np.array([[1, 0], [-1, 0], [0, 1], [0, -1], [0.5, 0], [0, 0]], np.float32)  # x right, y down
    colours = flow_wheel_video(directions.reshape(1, 1, 6, 2))[0, 0].astype(int)
    assert colours[0].tolist() == [255, 0, 0]  # rightward is red
    assert colours[1][0] < 50 and colours[1][2] > 200  # leftward is cyan-blue, red's opposite
    assert colours[2][0] > 200 and colours[2][1] > 200 and colours[2][2] < 50  # downward is yellow
    assert colours[3][2] > 200 and colours[3][1] < 50  # upward is blue-violet
    assert colours[4][0] == 255 and 100 < colours[4][1] < 150  # half the speed: half as saturated
    assert colours[5].tolist() == [255, 255, 255]  # no motion is white


def test_flow_follows_vaces_frame_order():
    flow = np.arange(4, dtype=np.float32)[:, None, None, None] * np.ones((4, 1, 1, 2), np.float32)
    assert from_previous_frame(flow)[:, 0, 0, 0].tolist() == [0, 0, 1, 2]  # frame t: from t - 1 to t


def test_layout_outlines_each_body_in_its_colour_on_white():
    ids = np.zeros((1, 20, 30), np.int32)
    ids[0, 4:16, 4:14] = 1
    ids[0, 6:12, 20:27] = 2
    layout = layout_video(ids)
    assert (layout[0, 0, 0] == 255).all() and (layout[0, 10, 9] == 255).all()  # background and interior white
    one, two = layout[0, 4, 8], layout[0, 6, 23]  # on each body's top edge
    assert not (one == 255).all() and not (two == 255).all() and not (one == two).all()
    band = ~(layout[0] == 255).all(axis=-1)
    assert band[:, 9].sum() == 6  # 3 px across each of the two horizontal edges of body 1


def test_masks_are_black_to_keep_and_white_to_generate():
    assert (mask_video(3, 4, 5) == 255).all()
    keep = mask_video(3, 4, 5, keep_first=True)
    assert (keep[0] == 0).all() and (keep[1:] == 255).all()
    rgb = np.random.default_rng(0).integers(0, 255, (3, 4, 5, 3), dtype=np.uint8)
    video = first_frame_video(rgb)
    assert (video[0] == rgb[0]).all() and (video[1:] == 128).all()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("controls")
    done = export_controls(PROMPT, out, format="vace", resolution="70x50", num_frames=10, seed=3)
    return out, done


def test_export_writes_the_set_and_names_its_rules_and_values(exported):
    out, done = exported
    assert (done.frames, done.width, done.height, done.fps) == (9, 64, 48, 16)
    assert any("10 frames is not 4k + 1" in n for n in done.notices)
    assert any("70x50 is not a multiple of 16" in n for n in done.notices)
    record = json.loads((out / MARKER).read_text())
    assert record["family"]["frame_step"] == 4 and record["family"]["size_multiple"] == 16
    assert record["family"]["pipeline"] == "diffusers.WanVACEPipeline" and record["family"]["fps"] == 16
    assert record["clip"] | {"frames": 9, "asked_frames": 10, "fps": 16, "width": 64, "height": 48} == record["clip"]
    assert record["seed"] == 3 and record["caption"] and record["notices"] == done.notices
    assert record["arguments"]["depth.mp4"] == "diffusers.WanVACEPipeline(video=...)"
    assert record["arguments"]["mask.mp4"] == "diffusers.WanVACEPipeline(mask=...)"
    assert set(record["files"]) == set(record["outputs"]) == {p.name for p in out.iterdir()} - {MARKER}
    assert len(record["normalisation"]["depth_disparity_high"]) == 9
    for name in ("depth", "flow", "segmentation", "layout", "mask", "first_frame_video", "first_frame_mask",
                 "render"):
        assert read_video(out / f"{name}.mp4").shape == (9, 48, 64, 3), name
    assert imageio.imread(out / "first_frame.png").shape == (48, 64, 3)


def test_exported_maps_are_the_films_exact_ones(exported):
    out, _ = exported
    filmed = film(load_scene(PROMPT, seed=3), 9, 16, 64, 48, seed=3)
    flow = np.load(out / "flow.npy", allow_pickle=False)
    assert flow.dtype == np.float32 and np.array_equal(flow, filmed.frames.flow)  # bit-exact, deterministic
    assert np.array_equal(imageio.imread(out / "first_frame.png"), filmed.frames.rgb[0])  # PNG is lossless
    depth = read_video(out / "depth.mp4").astype(int)
    assert np.abs(depth - control_picture("depth", filmed.frames, VACE)).mean() < 1.5  # H.264 at CRF 10
    mask = read_video(out / "first_frame_mask.mp4").astype(int)
    assert mask[0].max() < 10 and mask[1:].min() > 245


def test_raw_adds_exact_arrays_and_cogvideox_fun_has_its_own_rules(tmp_path):
    raw = export_controls(PROMPT, tmp_path / "raw", format="raw", resolution="64x48", num_frames=6)
    assert raw.frames == 6  # any count
    depth = np.load(tmp_path / "raw" / "depth.npy", allow_pickle=False)
    assert depth.shape == (6, 48, 64) and depth.dtype == np.float32 and depth.max() > 0
    assert np.load(tmp_path / "raw" / "segmentation.npy").max() >= 4  # ball and three cubes
    fun = export_controls(PROMPT, tmp_path / "fun", format="cogvideox-fun", resolution="64x48")
    assert (fun.frames, fun.fps) == (25, 8)  # 3 s at 8 fps, rounded to 4k + 1
    assert not (tmp_path / "fun" / "depth.npy").exists()
    record = json.loads((tmp_path / "fun" / MARKER).read_text())
    assert record["arguments"] == {"depth.mp4": "diffusers.CogVideoXFunControlPipeline(control_video=...)"}


def test_the_cli_exports_with_a_notice_and_refuses_bad_input_in_one_line(tmp_path, capsys):
    assert main(["controls", PROMPT, "--out", str(tmp_path / "c"), "--frames", "4", "--resolution", "32x32"]) == 0
    captured = capsys.readouterr()
    assert "notice: 4 frames is not 4k + 1; diffusers.WanVACEPipeline rounds it to 5" in captured.err
    assert "wrote the vace control videos of 5 frames of 32x32 at 16 fps" in captured.out
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / MARKER).write_text("{}")
    for arguments, message in (
            (["--out", str(tmp_path / "mine")], "not made by kinema"),
            (["--out", str(tmp_path / "d"), "--resolution", "huge"], "cannot read the resolution 'huge'"),
            (["--out", str(tmp_path / "d"), "--frames", "200"], "at most 81 frames"),
            (["--out", str(tmp_path / "d"), "--format", "sora"], "argument --format: invalid choice")):
        assert exit_status(["controls", PROMPT, *arguments]) == 2
        error = capsys.readouterr().err
        assert message in error and error.count("\n") == 1, error
    assert not (tmp_path / "d").exists()


def exit_status(arguments: list[str]) -> int:
    """What `kinema ARGUMENTS` exits with: main's status, or argparse's."""
    try:
        return main(arguments)
    except SystemExit as exit:
        return exit.code
