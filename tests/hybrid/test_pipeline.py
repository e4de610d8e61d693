import json

import imageio.v2 as imageio
import numpy as np
import pytest
import torch

from dit.checkpoint import save_generator
from dit.config import preset
from dit.generator import GeneratorConfig, VideoGenerator
from hybrid.cli import main
from hybrid.errors import GenerationError
from hybrid.generation import generate
from hybrid.pipeline import video_size
from hybrid.pipeline import OVERLAP, Pipeline, window_starts

PROMPT = "a red rubber ball falls onto a blue wooden box"


@pytest.fixture(scope="module")
def tiny_pipeline() -> Pipeline:
    torch.manual_seed(0)
    config = GeneratorConfig.from_captions([PROMPT], preset("tiny"), text_depth=1, text_heads=2, max_length=64)
    return Pipeline(VideoGenerator(config))


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, tiny_pipeline) -> str:
    return str(save_generator(tiny_pipeline.generator, tmp_path_factory.mktemp("model") / "tiny"))


def test_all_controls_are_the_models_branches_and_the_uv_branch_steers_it():
    torch.manual_seed(0)
    dit = preset("tiny", control_branches=("depth", "uv"), control_channels={"depth": 1, "uv": 4})
    generator = VideoGenerator(GeneratorConfig.from_captions([PROMPT], dit, text_depth=1, text_heads=2, max_length=64))
    with torch.no_grad():  # as if trained: the zero projections of a fresh branch would hide it
        for parameter in generator.parameters():
            parameter.add_(0.05 * torch.randn(parameter.shape))
    pipe = Pipeline(generator)
    assert pipe.branches == ("depth", "uv")
    run = lambda **k: pipe(PROMPT, num_frames=4, height=32, width=32, num_steps=2, seed=0, **k).video  # noqa: E731
    every = run()
    assert np.array_equal(every, run(controls=("depth", "uv"))) and not np.array_equal(every, run(controls=("depth",)))
    with pytest.raises(GenerationError, match="controls must be distinct names among depth, uv; got \\['flow'\\]"):
        run(controls=("flow",))


def test_windows_cover_the_video_with_overlaps():
    assert window_starts(16) == [0] and window_starts(5) == [0]
    assert window_starts(17) == [0, 12]
    assert window_starts(32) == [0, 12, 24]  # 24 + 16 = 40 frames are made, 32 kept


def test_pipeline_returns_video_frames_and_graph_deterministically(tiny_pipeline):
    first = tiny_pipeline(PROMPT, num_frames=6, height=32, width=32, num_steps=2, seed=0)
    assert first.video.shape == (6, 32, 32, 3) and first.video.dtype == np.uint8
    assert first.frames.num_frames == 6 and first.frames.size == (32, 32)
    assert [body.noun for body in first.graph.bodies] == ["ball", "box"]
    assert first.caption.startswith("A red rubber ball and a blue wooden box.")
    assert set(first.timings) == {"parse", "simulate", "render", "denoise"}
    assert first.camera.num_frames == 6 and (first.camera.width, first.camera.height) == (32, 32)
    assert np.array_equal(first.camera.world_from_camera[1:], first.frames.world_from_camera)  # rows 0..T
    again = tiny_pipeline(PROMPT, num_frames=6, height=32, width=32, num_steps=2, seed=0)
    assert np.array_equal(first.video, again.video)
    other = tiny_pipeline(PROMPT, num_frames=6, height=32, width=32, num_steps=2, seed=1)
    assert not np.array_equal(first.video, other.video)


def test_long_videos_are_rolling_windows_that_start_from_the_previous_frames(tiny_pipeline, monkeypatch):
    calls = []
    sample = tiny_pipeline.generator.sample

    def spy(*args, **kwargs):
        clip = sample(*args, **kwargs)
        calls.append({"known": kwargs["known_frames"], "clip": clip, "controls": kwargs["controls"],
                      "frames": kwargs["num_frames"]})
        return clip

    monkeypatch.setattr(tiny_pipeline.generator, "sample", spy)
    result = tiny_pipeline(PROMPT, num_frames=20, height=32, width=32, num_steps=1, seed=0)
    assert len(calls) == 2 and [c["frames"] for c in calls] == [16, 16]
    assert calls[0]["known"] is None
    assert torch.equal(calls[1]["known"], calls[0]["clip"][:, :, -OVERLAP:])
    assert set(calls[0]["controls"]) == {"depth", "flow", "segmentation"}
    assert result.video.shape[0] == 20 and result.frames.num_frames == 20 and result.rollout.num_frames == 20
    # the second window's controls are the simulation's frames 12..27
    second = calls[1]["controls"]["segmentation"][0, 0, :8]  # [8, H, W]: frames 12..19
    assert result.frames.segmentation[12:20].max() > 0
    assert torch.equal(second, torch.from_numpy(result.frames.segmentation[12:20].astype(np.float32)))


def test_text_only_runs_without_any_control(tiny_pipeline, monkeypatch):
    seen = []
    sample = tiny_pipeline.generator.sample
    monkeypatch.setattr(tiny_pipeline.generator, "sample",
                        lambda *a, **k: seen.append(k["controls"]) or sample(*a, **k))
    tiny_pipeline(PROMPT, num_frames=4, height=32, width=32, num_steps=1, controls=())
    assert seen == [{}]


def test_first_frame_pins_the_simulators_first_frame_and_gives_no_controls(tiny_pipeline, monkeypatch):
    seen = []
    sample = tiny_pipeline.generator.sample
    monkeypatch.setattr(tiny_pipeline.generator, "sample",
                        lambda *a, **k: seen.append((k["controls"], k["known_frames"])) or sample(*a, **k))
    result = tiny_pipeline(PROMPT, num_frames=20, height=32, width=32, num_steps=2, controls=(), first_frame=True)
    assert np.array_equal(result.video[0], result.frames.rgb[0])  # image-to-video: frame 0 is the render's
    assert seen[0][0] == {} and seen[0][1].shape == (1, 3, 1, 32, 32)
    assert seen[1][1].shape[2] == OVERLAP  # later windows pin their overlap, as always
    unpinned = tiny_pipeline(PROMPT, num_frames=20, height=32, width=32, num_steps=2, controls=())
    assert not np.array_equal(unpinned.video[0], result.frames.rgb[0])


@pytest.mark.parametrize("change, message", [
    ({"height": 30}, "height must be a multiple of 4"),
    ({"width": 8}, "width must be a multiple of 4 pixels from 16 to 1024"),
    ({"width": 100000}, "width must be a multiple of 4 pixels from 16 to 1024; got 100000"),
    ({"num_steps": 0}, "steps must be a whole number from 1 to 1000, got 0"),
    ({"num_steps": 100000}, "steps must be a whole number from 1 to 1000, got 100000"),
    ({"controls": ("depth", "normals")}, "controls must be distinct names among depth, flow, segmentation"),
    ({"seed": -1}, "a seed is a whole number from 0 to 4294967295, got -1"),
    ({"seed": 2**32}, "a seed is a whole number from 0 to 4294967295, got 4294967296"),
    ({"fps": 0}, "fps must be an integer from 1 to 60"),
    ({"num_frames": 0}, "num_frames must be a positive integer"),
    ({"num_frames": 484, "fps": 8}, "484 frames at 8 fps are 60.5 s, but videos are at most 16 s; ask for fewer"),
])
def test_impossible_parameters_are_clear_errors(tiny_pipeline, change, message):
    arguments = dict(num_frames=4, height=32, width=32, num_steps=1) | change
    with pytest.raises(GenerationError, match=message):
        tiny_pipeline(PROMPT, **arguments)


def test_the_cli_steps_limit_is_the_pipelines(tiny_pipeline):
    from hybrid.cli import MAX_STEPS

    tiny_pipeline._check(None, 8, 32, 32, MAX_STEPS, (), 0)
    with pytest.raises(GenerationError, match=f"from 1 to {MAX_STEPS}, got {MAX_STEPS + 1}"):
        tiny_pipeline._check(None, 8, 32, 32, MAX_STEPS + 1, (), 0)


def test_video_sizes_follow_resolution_and_aspect():
    assert video_size("64p", "1:1") == (64, 64)
    assert video_size("64p", "16:9") == (64, 112) and video_size("64p", "9:16") == (112, 64)
    assert video_size("128p", "4:3") == (128, 172)
    assert video_size("256p", "16:9", multiple=16) == (256, 448)  # a latent model's 2x2 patches of 8x8 pixels
    with pytest.raises(GenerationError, match="unsupported resolution '1080p'; choose one of 64p, 128p, 256p"):
        video_size("1080p", "1:1")
    with pytest.raises(GenerationError, match="unsupported aspect ratio '2:1'"):
        video_size("64p", "2:1")


def test_generate_writes_video_preview_and_sidecar(tmp_path, tiny_model):
    out = generate(PROMPT, duration_seconds=1, resolution="64p", aspect_ratio="1:1", seed=3, steps=1,
                   out=tmp_path / "ball.mp4", model=tiny_model)
    assert out == tmp_path / "ball.mp4" and out.stat().st_size > 0
    assert (tmp_path / "ball.preview.mp4").stat().st_size > 0
    sidecar = json.loads((tmp_path / "ball.json").read_text())
    assert sidecar["parameters"]["seed"] == 3 and sidecar["video"] == {"frames": 8, "height": 64, "width": 64,
                                                                       "seconds": 1.0}
    assert len(sidecar["model"]["sha256"]) == 64 and sidecar["graph"]["bodies"]
    assert sidecar["parameters"]["controls"] == ["depth", "flow", "segmentation"]  # every branch of the model
    assert set(sidecar["timings_seconds"]) == {"load_model", "parse", "simulate", "render", "denoise", "write"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ball.json", "ball.mp4", "ball.preview.mp4"]
    generate(PROMPT, duration_seconds=1, resolution="64p", steps=1, out=tmp_path / "gif.mp4", model=tiny_model,
             gif=True)
    assert json.loads((tmp_path / "gif.json").read_text())["outputs"]["gif"] == "gif.gif"
    assert len(imageio.mimread(tmp_path / "gif.gif")) == 8


@pytest.mark.parametrize("arguments, message", [
    ({"prompt": "  "}, "the prompt is empty"),
    ({"duration_seconds": 100}, "a video of 100 s is too long: videos are at most 16 s"),
    ({"resolution": "4k"}, "unsupported resolution"),
    ({"aspect_ratio": "21:9"}, "unsupported aspect ratio"),
    ({"out": "video.avi"}, "must end in .mp4 or .gif"),
    ({"out": "/no/such/folder/video.mp4"}, "does not exist"),
])
def test_generate_refuses_bad_arguments_before_any_work(arguments, message):
    with pytest.raises(GenerationError, match=message):
        generate(**({"prompt": PROMPT} | arguments), model="/no/model/needed")


def test_cli_generate_reports_bad_input_in_one_line(capsys, tmp_path, tiny_model):
    assert main(["generate", "a red ball hovers", "--out", str(tmp_path / "v.mp4"), "--model", tiny_model]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("kinema generate: error:") and "hovers" in error and "\n" not in error
    assert main(["generate", PROMPT, "--resolution", "1080p", "--model", tiny_model]) == 2
    assert "unsupported resolution" in capsys.readouterr().err
    assert main(["generate", PROMPT, "--model", str(tmp_path / "missing")]) == 2
    assert "missing" in capsys.readouterr().err


def test_the_package_exports_the_api():
    import hybrid
    from hybrid.ablation import ablate
    from hybrid.pipeline import Pipeline as PipelineClass

    assert hybrid.generate is generate and hybrid.ablate is ablate and hybrid.Pipeline is PipelineClass


def test_progress_follows_the_stages_and_every_step_of_every_window(tiny_pipeline):
    calls = []
    tiny_pipeline(PROMPT, num_frames=20, num_steps=3, on_progress=lambda *call: calls.append(call))
    windows = len(window_starts(20))
    assert windows == 2 and calls[0] == ("physics", 0, 1) and calls[-1] == ("decode", 0, 1)
    assert [call for call in calls if call[0] == "denoise"] == [("denoise", k, windows * 3) for k in range(windows * 3)]
