"""The `kinema` CLI on a broken system: unwritable outputs, absent devices, OS errors and closed pipes are one
line and exit status 2 (a closed pipe: a quiet exit), found before any work starts; a Ctrl-C is one line too."""

import errno
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch

from hybrid.cli import main

# Each command that writes, its arguments ({out}: where it writes) and the function that does its work.
WRITERS = {
    "simulate": (["simulate", "a ball", "--out", "{out}"], "sim.simulate"),
    "render": (["render", "a ball", "--out", "{out}"], "sim.simulate"),
    "dataset": (["dataset", "--out", "{out}", "--clips", "1"], "hybrid.dataset.write_shard"),
    "train": (["train", "--config", "recipe.yaml", "--data", "shards", "--out", "{out}"],
              "hybrid.training.train_from_recipe"),
    "ablate": (["ablate", "--out", "{out}"], "hybrid.ablation.ablate"),
    "evaluate": (["evaluate", "--out", "{out}/report.json"], "hybrid.pipeline.Pipeline.from_pretrained"),
    "export": (["export", "run", "{out}"], "dit.checkpoint.export_generator"),
}


def arguments(command: str, out: Path) -> list[str]:
    return [part.replace("{out}", str(out)) for part in WRITERS[command][0]]


@pytest.fixture
def no_work(monkeypatch):
    """Make `command`'s work fail the test if it starts: the check must come first."""
    def forbid(command: str) -> None:
        def work(*args, **kwargs):
            raise AssertionError(f"{command} started its work before checking its output")
        monkeypatch.setattr(WRITERS[command][1], work)
    return forbid


@pytest.fixture
def read_only_disk(monkeypatch):
    """Nothing new can be made anywhere, as on a disk mounted read-only (errno 30, EROFS)."""
    def refuse(path):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    make_folder = Path.mkdir  # an existing folder is still "made" (exist_ok), as on a real read-only disk
    monkeypatch.setattr(Path, "mkdir", lambda self, *a, **k: make_folder(self, *a, **k) if self.exists()
                        else refuse(self))
    monkeypatch.setattr(tempfile, "TemporaryFile", lambda *a, dir=None, **k: refuse(dir))


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("command", WRITERS)
def test_a_read_only_disk_is_one_line_before_any_work(command, tmp_path, no_work, read_only_disk, capsys):
    no_work(command)
    out = tmp_path / "out"
    assert main(arguments(command, out)) == 2
    assert "read-only file system; choose a folder you can write to" in one_line(capsys)


@pytest.mark.parametrize("command", [name for name in WRITERS if name != "evaluate"])
@pytest.mark.parametrize("under", [False, True])
def test_an_output_folder_that_is_a_file_is_one_line(command, under, tmp_path, no_work, capsys):
    no_work(command)
    blocker = tmp_path / "taken"
    blocker.write_text("a file")
    out = blocker / "run" if under else blocker
    assert main(arguments(command, out)) == 2
    assert f"cannot write into {out}: {blocker} is a file, not a folder; choose another path" in one_line(capsys)


def test_an_evaluation_report_needs_a_file_path_in_a_folder(tmp_path, no_work, capsys):
    no_work("evaluate")
    assert main(["evaluate", "--out", str(tmp_path)]) == 2
    assert f"--out {tmp_path} is a folder; give the path of the report file to write" in one_line(capsys)
    (tmp_path / "taken").write_text("a file")
    assert main(["evaluate", "--out", str(tmp_path / "taken" / "report.json")]) == 2
    assert "taken is a file, not a folder" in one_line(capsys)


@pytest.mark.parametrize("error, expected", [
    (OSError(errno.EROFS, "Read-only file system", "/media/disk/video.mp4"),
     "/media/disk/video.mp4: Read-only file system (errno 30, EROFS); the disk is read-only; choose a folder on a "
     "writable disk"),
    (OSError(errno.ENOSPC, "No space left on device"),
     "No space left on device (errno 28, ENOSPC); the disk is full; free some space or choose another disk"),
    (OSError(errno.EXDEV, "Invalid cross-device link", "a.tmp", None, "b.mp4"),
     "a.tmp -> b.mp4: Invalid cross-device link (errno 18, EXDEV); check the path and that the disk is working"),
    (OSError("the disk\nwent away"), "the disk went away; check the path and that the disk is working"),
    (OSError(), "OSError; check the path and that the disk is working"),
])
def test_any_os_error_is_one_line_with_the_file_the_reason_and_a_hint(error, expected, monkeypatch, tmp_path, capsys):
    def generate(*args, **kwargs):
        raise error

    monkeypatch.setattr("hybrid.generation.generate", generate)
    assert main(["generate", "a ball", "--out", str(tmp_path / "video.mp4")]) == 2
    assert one_line(capsys) == f"kinema generate: error: {expected}\n"


@pytest.mark.parametrize("command", [["generate", "a ball"], ["evaluate"], ["ablate"]])
@pytest.mark.parametrize("device, message", [
    ("foo", "unknown device 'foo'; use cpu, cuda, cuda:N, mps or auto (this machine has cpu)"),
    ("cuda", "device 'cuda' is not available here; this machine has cpu: use one of those, or auto"),
])
def test_an_unusable_device_is_one_line_before_any_work(command, device, message, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    for work in ("hybrid.generation.generate", "hybrid.ablation.ablate", "hybrid.evaluate.evaluate"):
        monkeypatch.setattr(work, lambda *a, **k: pytest.fail("the work started before the device was checked"))
    out = tmp_path / ("video.mp4" if command[0] == "generate" else "out")
    assert main([*command, "--device", device, "--out", str(out)]) == 2
    assert one_line(capsys) == f"kinema {command[0]}: error: {message}\n"
    assert not out.exists()


def test_the_pipeline_refuses_an_unknown_device_before_reading_the_model():
    from dit.errors import DiTError
    from hybrid.pipeline import Pipeline

    with pytest.raises(DiTError, match="unknown device 'gpu'"):
        Pipeline.from_pretrained("no/such/model", device="gpu")


@pytest.mark.parametrize("command", [["schema"], ["parse", "a red ball falls onto a blue box", "--json"]])
def test_a_closed_pipe_ends_quietly(command):
    """`kinema schema | head`: the reader is gone before kinema writes; no traceback, no 'Exception ignored'."""
    process = subprocess.Popen([sys.executable, "-m", "hybrid.cli", *command], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()
    err = process.stderr.read()
    assert process.wait(timeout=60) == 141  # as a shell reports a program SIGPIPE ended (`yes | head`)
    assert err == b""


def test_a_closed_stdout_ends_quietly(monkeypatch, capsys):
    """`kinema parse "a red ball" >&-`: with fd 1 closed Python sets sys.stdout to None."""
    monkeypatch.setattr(sys, "stdout", None)
    assert main(["parse", "a red ball"]) == 141  # as a closed pipe
    assert capsys.readouterr().err == ""


KEPT_ON_INTERRUPT = {"train": "the checkpoints saved so far are kept; continue with --resume",
                     "ablate": "the finished runs are kept; run the same command again to resume"}


@pytest.mark.parametrize("command", WRITERS)
def test_ctrl_c_is_one_line_saying_what_is_left_and_exit_130(command, tmp_path, monkeypatch, capsys):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(WRITERS[command][1], interrupt)
    assert main(arguments(command, tmp_path / "out")) == 130  # as a shell reports a program SIGINT ended
    left = KEPT_ON_INTERRUPT.get(command, "nothing was published")
    assert one_line(capsys) == f"kinema {command}: interrupted; {left}\n"


def test_a_render_interrupted_while_writing_publishes_nothing(tmp_path, monkeypatch, capsys):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("hybrid.video.write_video", interrupt)  # the rollout and frames are staged by then
    out = tmp_path / "run"
    assert main(["render", "a red ball falls from 1 m", "--out", str(out), "--size", "32", "--seconds", "1"]) == 130
    assert capsys.readouterr().err.endswith("]\nkinema render: interrupted; nothing was published\n")  # bars first
    assert list(out.iterdir()) == []
