"""Outputs are complete and atomic as a set: checked before they are published, one-line errors naming the user's
path, no temporaries left by dead writers, the umask's permissions, and output folders proved before the work."""

import json
import os

import numpy as np
import pytest
from conftest import dead_pid
import torch

import fileio.outputs
import hybrid.cli
import hybrid.dataset
import hybrid.video
from dit.checkpoint import save_generator
from dit.config import preset
from dit.errors import DiTError
from dit.generator import GeneratorConfig, VideoGenerator
from fileio import TEMP_MARK, UserFileError, sha256_file
from hybrid.cli import main
from hybrid.dataset import DatasetSpec, write_shard
from hybrid.errors import GenerationError
from hybrid.generation import generate
from hybrid.pipeline import Pipeline
from hybrid.video import write_video
from scenes.errors import SceneError
from sim.frames import Frames

PROMPT = "a red rubber ball falls onto a blue wooden box"
FRAMES = np.random.default_rng(0).integers(0, 255, (4, 16, 24, 3), dtype=np.uint8)
NO_MODEL = "/no/model/needed"  # loading it fails: a check that passes this raised before any model work


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> str:
    torch.manual_seed(0)
    config = GeneratorConfig.from_captions([PROMPT], preset("tiny"), text_depth=1, text_heads=2, max_length=64)
    return str(save_generator(VideoGenerator(config), tmp_path_factory.mktemp("model") / "tiny"))


def make(out, model, **arguments):
    """A cheap run: 4 frames (0.5 s at 8 fps), one sampler step."""
    return generate(PROMPT, duration_seconds=0.5, steps=1, out=out, model=model, **arguments)


# ---------------------------------------------------------------------------------------------- write_video


def test_a_video_that_does_not_read_back_whole_is_not_published(tmp_path, monkeypatch):
    good = write_video(tmp_path / "good.mp4", FRAMES, fps=8).read_bytes()
    write_video(tmp_path / "v.mp4", FRAMES[:1], fps=8)  # an older video, to be kept
    old = (tmp_path / "v.mp4").read_bytes()
    monkeypatch.setattr(hybrid.video, "_encode_mp4", lambda path, frames, fps: path.write_bytes(good[:len(good) // 3]))
    with pytest.raises(UserFileError, match=f"^cannot write {tmp_path / 'v.mp4'}: it does not read back as a video"):
        write_video(tmp_path / "v.mp4", FRAMES, fps=8)
    monkeypatch.setattr(hybrid.video, "_encode_mp4", lambda path, frames, fps: path.write_bytes(old))
    with pytest.raises(UserFileError, match="a reader finds 1 of its 4 frames at 24x16 \\(written at 24x16\\)"):
        write_video(tmp_path / "v.mp4", FRAMES, fps=8)
    assert (tmp_path / "v.mp4").read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.mp4", "v.mp4"]  # no temporary left


def test_a_failing_ffmpeg_is_detected_and_its_reason_named(tmp_path, monkeypatch):
    ffmpeg = tmp_path / "ffmpeg"
    ffmpeg.write_text("#!/bin/sh\ncat > /dev/null\n"
                      "echo '[out#0/mp4 @ 0x1] Error writing trailer: No space left on device' >&2\nexit 228\n")
    ffmpeg.chmod(0o755)
    monkeypatch.setattr(hybrid.video.imageio_ffmpeg, "get_ffmpeg_exe", lambda: str(ffmpeg))
    out = tmp_path / "out"
    with pytest.raises(UserFileError, match=f"^cannot write {out / 'v.mp4'}: no space left on device; free some "
                       "space or choose another folder$"):
        write_video(out / "v.mp4", FRAMES, fps=8)
    assert list(out.iterdir()) == []


def test_writing_a_video_onto_a_folder_names_the_users_path(tmp_path):
    (tmp_path / "v.mp4").mkdir()
    with pytest.raises(UserFileError, match=f"^cannot write {tmp_path / 'v.mp4'}: it is a folder"):
        write_video(tmp_path / "v.mp4", FRAMES, fps=8)


def test_a_dead_writers_temporary_video_is_removed_on_the_next_write(tmp_path):
    stale = tmp_path / f".v.mp4{TEMP_MARK}{dead_pid()}-0a1b2c3d.mp4"
    stale.write_bytes(b"partial")
    write_video(tmp_path / "v.mp4", FRAMES, fps=8)
    assert [p.name for p in tmp_path.iterdir()] == ["v.mp4"]


def test_videos_and_shards_get_the_umasks_permissions(tmp_path, umask_027, monkeypatch):
    assert write_video(tmp_path / "v.mp4", FRAMES, fps=8).stat().st_mode & 0o777 == 0o640
    assert write_video(tmp_path / "v.gif", FRAMES, fps=8).stat().st_mode & 0o777 == 0o640
    frames = Frames(rgb=FRAMES, depth=np.ones(FRAMES.shape[:3], np.float32),
                    segmentation=np.zeros(FRAMES.shape[:3], np.int32),
                    flow=np.zeros((*FRAMES.shape[:3], 2), np.float32), valid_flow=np.ones(FRAMES.shape[:3], bool),
                    intrinsics=np.tile(np.eye(3), (5, 1, 1)), world_from_camera=np.tile(np.eye(4), (5, 1, 1)),
                    z_near=0.1, z_far=10.0)
    monkeypatch.setattr(hybrid.dataset, "make_clip", lambda spec, clip: {"caption": "a ball", "graph": "{}",
                                                                         "frames": frames})
    shard = write_shard(tmp_path / "data", DatasetSpec(seed=0, clips=1, frames=4), 0, 1)
    assert shard.stat().st_mode & 0o777 == 0o640


# ---------------------------------------------------------------------------------------------- generate


def test_generate_publishes_one_verifiable_set_and_removes_an_older_runs_gif(tmp_path, tiny_model, umask_027):
    make(tmp_path / "v.mp4", tiny_model, gif=True)  # an older run, with a GIF this one does not make
    make(tmp_path / "v.mp4", tiny_model)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.json", "v.mp4", "v.preview.mp4"]
    assert all(p.stat().st_mode & 0o777 == 0o640 for p in tmp_path.iterdir())  # staged files follow the umask too
    sidecar = json.loads((tmp_path / "v.json").read_text())
    assert sidecar["outputs"] == {"video": "v.mp4", "preview": "v.preview.mp4"}
    assert sidecar["files"] == {name: {"bytes": (tmp_path / name).stat().st_size,
                                       "sha256": sha256_file(tmp_path / name)} for name in ("v.mp4", "v.preview.mp4")}


def test_the_sidecar_lists_the_prompts_ignored_words(tmp_path, tiny_model):
    generate("a shiny red ball falls", duration_seconds=0.5, steps=1, out=tmp_path / "v.mp4", model=tiny_model)
    sidecar = json.loads((tmp_path / "v.json").read_text())
    assert sidecar["warnings"] == ["ignored 'shiny' at character 3: an unknown word that only describes"]
    with pytest.raises(SceneError, match="ignored 'shiny'"):
        generate("a shiny red ball falls", duration_seconds=0.5, steps=1, out=tmp_path / "w.mp4", model=tiny_model,
                 strict=True)
    assert not (tmp_path / "w.json").exists()


def test_a_kill_while_publishing_never_leaves_an_old_sidecar_beside_new_videos(tmp_path, tiny_model, monkeypatch):
    make(tmp_path / "v.mp4", tiny_model, seed=1)
    old = {name: (tmp_path / name).read_bytes() for name in ("v.mp4", "v.preview.mp4", "v.json")}
    renames = []

    def replace_then_die(source, target):
        if len(renames) == 2:
            raise KeyboardInterrupt  # SIGKILL-like: after the old sidecar moved aside and the new video in
        renames.append(target)
        os.rename(source, target)

    monkeypatch.setattr(fileio.outputs.os, "replace", replace_then_die)
    with pytest.raises(KeyboardInterrupt):
        make(tmp_path / "v.mp4", tiny_model, seed=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4", "v.preview.mp4"]  # no sidecar: plainly partial
    assert (tmp_path / "v.mp4").read_bytes() != old["v.mp4"]


def test_generate_removes_temporaries_of_dead_writers(tmp_path, tiny_model):
    stale_video = tmp_path / f".v.mp4{TEMP_MARK}{dead_pid()}-0a1b2c3d.mp4"
    stale_video.write_bytes(b"partial")
    (tmp_path / f".v.json{TEMP_MARK}{dead_pid()}-00ff00ff").mkdir()  # a killed run's staging folder
    make(tmp_path / "v.mp4", tiny_model)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.json", "v.mp4", "v.preview.mp4"]


def test_generate_proves_its_output_folder_before_any_model_work(tmp_path, monkeypatch):
    (tmp_path / "v.mp4").mkdir()
    with pytest.raises(GenerationError, match=f"the output {tmp_path / 'v.mp4'} is a folder; name the video"):
        generate(PROMPT, out=tmp_path / "v.mp4", model=NO_MODEL)
    (tmp_path / "w.preview.mp4").mkdir()
    with pytest.raises(UserFileError, match=f"cannot write {tmp_path / 'w.preview.mp4'}: it is a folder"):
        generate(PROMPT, out=tmp_path / "w.mp4", model=NO_MODEL)

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(fileio.outputs.tempfile, "TemporaryFile", read_only)
    with pytest.raises(UserFileError, match=f"^cannot write into the output folder {tmp_path}: read-only file "
                       "system; choose a folder you can write to$"):
        generate(PROMPT, out=tmp_path / "x.mp4", model=NO_MODEL)


def test_generate_never_replaces_or_removes_a_file_it_did_not_make(tmp_path):
    (tmp_path / "v.mp4").write_text("my own video")
    (tmp_path / "v.json").write_text('{"my": "notes"}')
    with pytest.raises(UserFileError, match=f"^{tmp_path / 'v.json'}, {tmp_path / 'v.mp4'} exist and were not made "
                                            "by kinema; choose another output or remove them$"):
        generate(PROMPT, out=tmp_path / "v.gif", model=NO_MODEL)  # refused before any model work
    assert (tmp_path / "v.mp4").read_text() == "my own video" and (tmp_path / "v.json").read_text() == '{"my": "notes"}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.json", "v.mp4"]


def test_a_folder_named_like_an_older_runs_gif_is_refused_before_the_work(tmp_path):
    files = {"v.mp4": b"video", "v.preview.mp4": b"preview"}
    sidecar = json.dumps({"outputs": {"video": "v.mp4", "preview": "v.preview.mp4"},
                          "files": {name: {"bytes": len(data)} for name, data in files.items()}})
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "v.json").write_text(sidecar)
    (tmp_path / "v.gif").mkdir()
    with pytest.raises(UserFileError, match=f"^{tmp_path / 'v.gif'} is a folder, where this run would remove an "
                                            "older run's file; rename or remove the folder, or choose another output$"):
        generate(PROMPT, out=tmp_path / "v.mp4", model=NO_MODEL)
    assert (tmp_path / "v.json").read_text() == sidecar and (tmp_path / "v.mp4").read_bytes() == b"video"


def test_generate_under_a_file_names_the_file(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    for out in (tmp_path / "precious.txt" / "x.mp4", tmp_path / "precious.txt" / "sub" / "x.mp4"):
        with pytest.raises(UserFileError, match=f"^cannot write into {out.parent}: {tmp_path / 'precious.txt'} is a "
                                                "file, not a folder; choose another path$"):
            generate(PROMPT, out=out, model=NO_MODEL)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_generate_writes_a_video_of_the_longest_name_the_folder_takes(tmp_path, tiny_model):
    out = tmp_path / f"{'v' * 240}.mp4"  # its preview is 252 characters; its temporaries would pass 255
    make(out, tiny_model)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, f"{out.stem}.json",
                                                                  f"{out.stem}.preview.mp4"])


def test_cli_generate_onto_a_folder_is_one_line(tmp_path, capsys):
    assert main(["generate", PROMPT, "--out", str(tmp_path), "--model", NO_MODEL]) == 2
    error = capsys.readouterr().err
    assert error == f"kinema generate: error: the output {tmp_path} is a folder; name the video to write, e.g. " \
                    f"{tmp_path / 'video.mp4'}\n"


def test_generate_onto_a_full_disk_is_one_line_and_publishes_nothing(small_disk, tiny_model, capsys):
    assert main(["generate", PROMPT, "--seconds", "1", "--steps", "1", "--out", str(small_disk / "x.mp4"),
                 "--model", tiny_model]) == 2
    stderr = capsys.readouterr().err  # the progress bars, then the error
    error = stderr.splitlines()[-1]
    assert error.startswith(f"kinema generate: error: cannot write {small_disk}/x.") and "Traceback" not in stderr
    assert "no space left on device" in error and TEMP_MARK not in error
    assert list(small_disk.iterdir()) == []


def test_a_model_folder_without_a_files_record_is_one_line(tmp_path, tiny_model):
    import shutil

    model = shutil.copytree(tiny_model, tmp_path / "model")
    meta = json.loads((model / "config.json").read_text())
    (model / "config.json").write_text(json.dumps(meta | {"files": {}}))
    with pytest.raises(DiTError, match="does not record the size and SHA-256 of model.safetensors"):
        Pipeline.from_pretrained(model)


# ---------------------------------------------------------------------------------------------- render, simulate


def test_render_checks_the_size_before_simulating_or_writing(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["render", "a red ball falls from 1 m", "--out", str(out), "--size", "1"]) == 2
    assert "image size must be an even number of pixels" in capsys.readouterr().err
    assert not out.exists() or list(out.iterdir()) == []


RENDER = ["render", "a red ball falls from 1 m", "--size", "16", "--aspect", "1:1", "--seconds", "0.25", "--fps", "8"]


def test_render_replaces_the_whole_set_and_simulate_removes_the_renders_files(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*RENDER, "--out", str(out), "--gif"]) == 0
    assert (out / "preview.gif").is_file()
    assert main([*RENDER, "--out", str(out)]) == 0  # the older render's GIF goes
    assert sorted(p.name for p in out.iterdir()) == ["frames.npz", "graph.json", "preview.mp4", "rollout.npz"]
    assert main(["simulate", "a red ball falls from 1 m", "--out", str(out), "--seconds", "0.25"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["graph.json", "rollout.npz"]  # the frames were the old rollout's


def test_render_and_simulate_never_replace_or_remove_a_file_they_did_not_make(tmp_path, capsys, monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("the output was not checked before the simulation")

    monkeypatch.setattr("sim.simulate", no_work)
    (tmp_path / "preview.gif").write_text("my own animation")
    assert main([*RENDER, "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"kinema render: error: {tmp_path / 'preview.gif'} exists and was not made by " \
                                      "kinema; choose another output or remove it\n"
    monkeypatch.undo()  # simulate checks its folder when it saves, after simulating
    (tmp_path / "graph.json").write_text('{"my": "graph"}')  # not a scene graph: not kinema's either
    assert main(["simulate", "a red ball falls from 1 m", "--out", str(tmp_path), "--seconds", "0.25"]) == 2
    assert f"{tmp_path / 'graph.json'}, {tmp_path / 'preview.gif'} exist and were not made" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.json", "preview.gif"]


def test_simulate_refuses_a_folder_holding_foreign_files_before_simulating(tmp_path, monkeypatch, capsys):
    (tmp_path / "rollout.npz").write_text("the user's own file")
    monkeypatch.setattr(hybrid.cli, "_simulated", lambda args: pytest.fail("simulated before checking --out"))
    assert main(["simulate", "dominoes", "--out", str(tmp_path)]) == 2
    assert f"{tmp_path / 'rollout.npz'} exists and was not made by kinema" in capsys.readouterr().err
    assert (tmp_path / "rollout.npz").read_text() == "the user's own file"


def test_a_render_refused_after_its_output_check_leaves_no_folder(tmp_path, capsys):
    out = tmp_path / "new" / "render"
    assert main(["render", "dominoes", "--seconds", "0.001", "--out", str(out)]) == 2
    assert "less than one frame" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()
