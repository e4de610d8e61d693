"""The wan-vace backend end to end on CPU, through diffusers' own WanVACEPipeline with tiny random weights."""

import json
import sys

import imageio.v2 as imageio
import numpy as np
import pytest
import torch

pytest.importorskip("diffusers", reason="the wan-vace backend's extra: pip install -e '.[diffusers]'")

from diffusers import WanVACEPipeline  # noqa: E402

from hybrid import ablation  # noqa: E402
from hybrid.ablation import ablate  # noqa: E402
from hybrid.cli import main  # noqa: E402
from hybrid.control_export import export_controls  # noqa: E402
from hybrid.errors import GenerationError  # noqa: E402
from hybrid.wan_vace import WanVacePipeline, weights_index_sha256  # noqa: E402
from scenes.parser import parse_prompt  # noqa: E402
from mp4 import read_mp4  # noqa: E402
from tiny_wan_vace import save_tiny_wan_vace  # noqa: E402

PROMPT = "a red ball rolls toward a tower of three cubes"
SMALL = {"num_frames": 10, "height": 32, "width": 48, "num_steps": 2}  # 10 frames: rounded to 9


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return save_tiny_wan_vace(tmp_path_factory.mktemp("wan") / "tiny-wan-vace")


@pytest.fixture(scope="module")
def wan(folder):
    return WanVacePipeline.from_pretrained(folder)


@pytest.fixture
def fed(monkeypatch):
    """What kinema passes to WanVACEPipeline, and what diffusers makes of it before the VAE encodes it."""
    calls = {"call": [], "latents": [], "scale": []}
    call, prepare = WanVACEPipeline.__call__, WanVACEPipeline.prepare_video_latents

    def spy_call(self, *args, **kwargs):
        calls["call"].append(kwargs)
        forward = self.transformer.forward
        self.transformer.forward = lambda *a, **k: calls["scale"].append(k["control_hidden_states_scale"]) or \
            forward(*a, **k)
        try:
            return call(self, *args, **kwargs)
        finally:
            del self.transformer.forward

    def spy_prepare(self, video, mask, *args, **kwargs):
        calls["latents"].append((video.clone(), mask.clone()))
        return prepare(self, video, mask, *args, **kwargs)

    monkeypatch.setattr(WanVACEPipeline, "__call__", spy_call)
    monkeypatch.setattr(WanVACEPipeline, "prepare_video_latents", spy_prepare)
    return calls


def test_it_generates_a_video_of_the_rounded_length_with_the_depth_control(wan, fed):
    calls = []
    out = wan(PROMPT, on_progress=lambda *call: calls.append(call), **SMALL)
    assert calls == [("physics", 0, 1), ("denoise", 0, 2), ("denoise", 1, 2), ("denoise", 2, 2)]  # every step
    assert out.video.shape == (9, 32, 48, 3) and out.video.dtype == np.uint8  # 10 -> 4k + 1, as diffusers does
    assert out.frames.num_frames == 9 and out.rollout.num_frames == 9
    assert any("10 frames is not 4k + 1" in warning for warning in out.warnings)
    assert out.caption == PROMPT  # a prompt is passed as the user wrote it
    kwargs = fed["call"][0]
    assert (kwargs["num_frames"], kwargs["height"], kwargs["width"]) == (9, 32, 48)
    assert kwargs["num_inference_steps"] == 2 and kwargs["guidance_scale"] == 5.0 and kwargs["prompt"] == PROMPT
    assert len(kwargs["video"]) == 9 and kwargs["mask"] is None  # no mask: generate every pixel
    video, mask = fed["latents"][0]
    assert video.shape == (1, 3, 9, 32, 48) and -1.0 <= video.min() and video.max() <= 1.0
    assert (mask == 1).all()  # diffusers' white: generate
    assert all((scale == 1.0).all() for scale in fed["scale"])  # conditioning_scale reached the transformer


def test_the_control_it_feeds_is_kinemas_exported_depth_video(wan, fed, tmp_path):
    wan(PROMPT, seed=3, **SMALL)
    fed_video = np.stack([np.asarray(image) for image in fed["call"][0]["video"]])  # [T, H, W, 3] uint8
    export_controls(PROMPT, tmp_path, format="vace", resolution="48x32", num_frames=10, seed=3)
    exported = read_mp4(tmp_path / "depth.mp4").astype(int)
    assert fed_video.shape == exported.shape == (9, 32, 48, 3)
    assert (fed_video[..., 0] == fed_video[..., 1]).all()  # grey
    assert np.abs(fed_video - exported).mean() < 1.5  # the same picture, through H.264 at CRF 10
    assert np.abs(fed_video - exported).max() <= 24


def test_first_frame_keeps_the_render_and_generates_the_rest(wan, fed):
    out = wan(PROMPT, controls=(), first_frame=True, **SMALL)
    kwargs = fed["call"][0]
    first = np.asarray(kwargs["video"][0])
    assert np.array_equal(first, out.frames.rgb[0]) and (np.asarray(kwargs["video"][1]) == 128).all()
    masks = np.stack([np.asarray(image) for image in kwargs["mask"]])
    assert (masks[0] == 0).all() and (masks[1:] == 255).all()  # VACE: black = keep, white = generate
    _, mask = fed["latents"][0]
    assert (mask[:, :, 0] == 0).all() and (mask[:, :, 1:] == 1).all()  # as diffusers reads it


def test_conditioning_scale_zero_is_the_model_without_a_control_video(wan, fed):
    depth = wan(PROMPT, **SMALL).video
    off = wan(PROMPT, control_scales={"depth": 0.0}, **SMALL).video
    none = wan(PROMPT, controls=(), **SMALL).video
    flow = wan(PROMPT, controls=("flow",), **SMALL).video
    assert fed["call"][2]["video"] is None and fed["call"][2]["conditioning_scale"] == 0.0
    assert np.array_equal(off, none)  # scale 0: the control video changes nothing
    assert not np.array_equal(depth, none) and not np.array_equal(depth, flow)  # scale 1: it steers
    assert all((scale == 0).all() for scale in fed["scale"][4:8])


def test_the_same_seed_gives_the_same_video_and_another_seed_another(wan):
    first, again, other = (wan(PROMPT, seed=seed, **SMALL).video for seed in (0, 0, 1))
    assert np.array_equal(first, again) and not np.array_equal(first, other)


def test_impossible_requests_are_one_line_errors(wan):
    for kwargs, message in (({"controls": ("depth", "flow")}, "one control video"),
                            ({"controls": ("uv",)}, "one control video"),
                            ({"controls": ("depth",), "first_frame": True}, "not both"),
                            ({"height": 40}, "multiple of 16"),
                            ({"num_frames": 90}, "at most 81 frames"),
                            ({"control_scales": {"depth": -1.0}}, "from 0 to 10")):
        with pytest.raises(GenerationError, match=message):
            wan(PROMPT, **{**SMALL, **kwargs})


def test_generate_writes_the_video_preview_and_a_sidecar_naming_the_model(folder, tmp_path, capsys):
    out = tmp_path / "wan.mp4"
    assert main(["generate", PROMPT, "--backend", "wan-vace", "--model", str(folder), "--resolution", "50x40",
                 "--seconds", "0.5", "--steps", "1", "--controls", "layout", "--conditioning-scale", "0.5",
                 "--out", str(out)]) == 0
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["model"]["backend"] == "wan-vace" and sidecar["model"]["path"] == str(folder)
    assert sidecar["model"]["weights_index_sha256"] == weights_index_sha256(folder)
    assert sidecar["parameters"] | {"controls": ["layout"], "control_scale": 0.5, "fps": 16, "steps": 1} == \
        sidecar["parameters"]
    assert sidecar["video"] == {"frames": 9, "height": 32, "width": 48, "seconds": 9 / 16}  # 8 -> 9, 50x40 -> 48x32
    assert set(sidecar["files"]) == {"wan.mp4", "wan.preview.mp4"}
    with imageio.get_reader(tmp_path / "wan.preview.mp4", format="FFMPEG") as reader:
        assert reader.get_meta_data()["size"] == (6 * 48, 32)  # the controls, the render and the video
    assert "50x40 is not a multiple of 16" in capsys.readouterr().err


def test_the_weights_hash_follows_the_weights_index(folder, tmp_path):
    copy = save_tiny_wan_vace(tmp_path / "copy")
    assert weights_index_sha256(copy) == weights_index_sha256(folder)  # same classes, same seed: same tensors
    other = save_tiny_wan_vace(tmp_path / "other", seed=1)
    assert weights_index_sha256(other) == weights_index_sha256(folder)  # the index names tensors, not values
    config = json.loads((copy / "vae" / "config.json").read_text())
    (copy / "vae" / "config.json").write_text(json.dumps({**config, "z_dim": 16, "note": 1}))
    assert weights_index_sha256(copy) != weights_index_sha256(folder)


def test_a_missing_folder_file_or_extra_is_one_line(folder, tmp_path, monkeypatch):
    broken = save_tiny_wan_vace(tmp_path / "broken")
    for path in (broken / "transformer").glob("*.safetensors"):
        path.rename(path.with_suffix(".bin"))
    cases = [(tmp_path / "nowhere", "no model folder at"), (tmp_path, "has no model_index.json"),
             (broken, "only pickled weights")]
    for model, message in cases:
        with pytest.raises(GenerationError, match=message):
            WanVacePipeline.from_pretrained(model)
    (broken / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
    with pytest.raises(GenerationError, match="not a WanVACEPipeline"):
        WanVacePipeline.from_pretrained(broken)
    monkeypatch.setitem(sys.modules, "diffusers", None)  # as if the extra were not installed
    with pytest.raises(GenerationError, match=r'install kinema\'s extra: pip install -e "\.\[diffusers\]"'):
        WanVacePipeline.from_pretrained(folder)


def test_the_cli_refuses_before_loading_anything(tmp_path, capsys):
    for arguments, message in ((["--controls", "depth,flow"], "one control video"),
                               (["--seconds", "8"], "at most 81 frames"),
                               ([], "needs --model PATH")):
        model = [] if not arguments else ["--model", str(tmp_path / "nowhere")]
        assert main(["generate", PROMPT, "--backend", "wan-vace", *model, *arguments,
                     "--out", str(tmp_path / "v.mp4")]) == 2
        error = capsys.readouterr().err
        assert message in error and error.count("\n") == 1, error


def test_ablate_scores_the_pretrained_model_with_and_without_physics(folder, tmp_path, monkeypatch):
    scenes = [("ball", parse_prompt("a red ball falls onto a blue box"))]
    monkeypatch.setattr(ablation, "suite_scenes", lambda suite, seed: scenes)
    table = ablate("library", variants=("none", "first-frame", "depth"), out=tmp_path, model=str(folder),
                   backend="wan-vace", num_frames=5, steps=1, resolution="32x32")
    assert [row["variant"] for row in table.rows] == ["depth", "first-frame", "none"]
    assert all(row["backend"] == "wan-vace" and row["model_sha256"] == weights_index_sha256(folder)
               for row in table.rows)
    assert all(0 <= row["mask_iou"] <= 1 and np.isfinite(row["psnr"]) for row in table.rows)
    assert (tmp_path / "grids" / "ball.mp4").exists() and "| metric | none | first-frame | depth |" in \
        (tmp_path / "report.md").read_text()
    with pytest.raises(GenerationError, match="one control at a time"):
        ablate("library", variants=("all",), out=tmp_path / "all", model=str(folder), backend="wan-vace")
    torch.manual_seed(0)  # leave no seeded state behind for other tests
