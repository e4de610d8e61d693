"""fileio: atomic writes keep the umask and clean up after killed writers; user files are bounded and regular."""

import json
import os
import subprocess
import sys

import pytest
from conftest import dead_pid

from fileio import (TEMP_MARK, OutputSet, UserFileError, folder_written_atomically, read_text, sha256_file,
                    writable_folder, write_atomically, write_bytes_atomically)
from fileio.atomic import temporary_name


def sidecar(*names: str) -> str:
    """An earlier set's marker, recording `names` as its files the way generate's sidecar does."""
    return json.dumps({"files": {name: {"bytes": 3, "sha256": "0" * 64} for name in names}})


def test_written_files_follow_the_umask(tmp_path, umask_027):
    path = write_bytes_atomically(tmp_path / "a.json", b"{}")
    assert path.stat().st_mode & 0o777 == 0o640
    with folder_written_atomically(tmp_path / "model") as folder:
        (folder / "x").write_text("x")
    assert (tmp_path / "model").stat().st_mode & 0o777 == 0o750


def test_a_killed_writers_temporaries_are_removed_on_the_next_write(tmp_path):
    stale_file = tmp_path / f".v.mp4{TEMP_MARK}{dead_pid()}-0a1b2c3d.mp4"
    stale_folder = tmp_path / f".v.mp4{TEMP_MARK}{dead_pid()}-00ff00ff"
    live = tmp_path / f".v.mp4{TEMP_MARK}{os.getpid()}-11111111.mp4"  # a writer still running keeps its file
    other = tmp_path / f".w.mp4{TEMP_MARK}{dead_pid()}-22222222.mp4"  # another target's: not ours to remove
    for path in (stale_file, live, other):
        path.write_bytes(b"partial")
    stale_folder.mkdir()
    write_bytes_atomically(tmp_path / "v.mp4", b"video")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name, "v.mp4"])


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    write_bytes_atomically(tmp_path / "a.txt", b"old")

    def fail(temporary):
        temporary.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(UserFileError, match=f"^cannot write {tmp_path / 'a.txt'}: no space left on device; free "
                       "some space or choose another folder$"):
        write_atomically(tmp_path / "a.txt", fail)
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"] and (tmp_path / "a.txt").read_bytes() == b"old"


def test_a_file_is_never_replaced_by_a_folder_and_is_refused_before_the_work(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    built = []
    with pytest.raises(UserFileError, match="precious.txt: a file \\(or link\\) of that name exists"), \
            folder_written_atomically(precious) as folder:
        built.append(folder)
    assert not built  # refused before the folder was built
    assert precious.read_text() == "keep me" and [p.name for p in tmp_path.iterdir()] == ["precious.txt"]


def test_an_output_set_is_published_marker_last_and_removes_the_old_sets_extras(tmp_path):
    for name in ("v.mp4", "v.gif"):
        (tmp_path / name).write_text("old")
    (tmp_path / "v.json").write_text(sidecar("v.mp4", "v.gif"))
    with OutputSet(tmp_path, ["v.mp4", "v.json"], marker="v.json", stale=["v.gif"]) as out:
        out.staged("v.mp4").write_text("new")
        out.staged("v.json").write_text("new")
        published = out.publish()
    assert [p.name for p in published] == ["v.mp4", "v.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.json", "v.mp4"]
    assert all((tmp_path / name).read_text() == "new" for name in ("v.mp4", "v.json"))


def test_an_interrupted_output_set_never_leaves_a_new_file_beside_an_old_marker(tmp_path, monkeypatch):
    (tmp_path / "v.mp4").write_text("old")
    (tmp_path / "v.json").write_text(sidecar("v.mp4"))
    renames = []

    def replace_then_die(source, target):
        if len(renames) == 2:
            raise KeyboardInterrupt  # killed after the old marker moved aside and the new video moved in
        renames.append(target)
        os.rename(source, target)

    monkeypatch.setattr(os, "replace", replace_then_die)
    with pytest.raises(KeyboardInterrupt), OutputSet(tmp_path, ["v.mp4", "v.json"], marker="v.json") as out:
        out.staged("v.mp4").write_text("new")
        out.staged("v.json").write_text("new")
        out.publish()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]  # no marker: plainly incomplete, never mixed
    assert (tmp_path / "v.mp4").read_text() == "new"


def test_an_unfinished_output_set_publishes_nothing(tmp_path):
    with pytest.raises(UserFileError, match="v.json not written"), \
            OutputSet(tmp_path, ["v.mp4", "v.json"], marker="v.json") as out:
        out.staged("v.mp4").write_text("new")
        out.publish()
    assert list(tmp_path.iterdir()) == []


def test_writable_folder_refuses_files_and_read_only_places(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserFileError, match="is a file, not a folder"):
        writable_folder(tmp_path / "file")
    with pytest.raises(UserFileError, match="is a file, not a folder"):
        writable_folder(tmp_path / "file" / "under")
    assert writable_folder(tmp_path / "new" / "deeper").is_dir()
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(UserFileError, match="cannot write into"):
            writable_folder(locked)


def test_user_files_must_be_regular_and_small(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(UserFileError, match="not a regular file"):
        read_text(fifo, 1000, "scene script")
    with pytest.raises(UserFileError, match="not a regular file"):
        read_text("/dev/zero", 1000, "scene script")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    with pytest.raises(UserFileError, match="not a regular file"):
        read_text(tmp_path / "zero.yaml", 1000, "scene script")
    (tmp_path / "big.yaml").write_bytes(b"x" * 1001)
    with pytest.raises(UserFileError, match="over the limit of 1,000 bytes"):
        read_text(tmp_path / "big.yaml", 1000, "scene script")
    (tmp_path / "latin1.yaml").write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(UserFileError, match="latin1.yaml:2: the scene script is not UTF-8"):
        read_text(tmp_path / "latin1.yaml", 1000, "scene script")
    with pytest.raises(UserFileError, match="is a folder"):
        read_text(tmp_path, 1000, "scene script")
    with pytest.raises(UserFileError, match="no scene script at"):
        read_text(tmp_path / "missing.yaml", 1000, "scene script")
    assert read_text(tmp_path / "big.yaml", 2000, "scene script") == "x" * 1001


def test_writing_onto_a_folder_names_the_target_not_a_temporary(tmp_path):
    (tmp_path / "v.mp4").mkdir()
    with pytest.raises(UserFileError, match=f"^cannot write {tmp_path / 'v.mp4'}: it is a folder"):
        write_bytes_atomically(tmp_path / "v.mp4", b"video")
    with pytest.raises(UserFileError, match=f"^cannot write {tmp_path / 'v.mp4'}: it is a folder"):
        OutputSet(tmp_path, ["v.mp4", "v.json"], marker="v.json")
    assert [p.name for p in tmp_path.iterdir()] == ["v.mp4"]


def test_an_output_set_checks_its_folder_when_made_and_names_targets_in_errors(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserFileError, match="is a file, not a folder"):
        OutputSet(tmp_path / "file", ["v.json"], marker="v.json")  # before any work is done
    out = OutputSet(tmp_path, ["v.mp4", "v.json"], marker="v.json")

    def full(path):
        path.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(UserFileError, match=f"^cannot write {tmp_path / 'v.mp4'}: no space left on device"), out:
        out.write(tmp_path / "v.mp4", full)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_an_output_set_records_its_files_and_removes_every_dead_writers_temporaries(tmp_path):
    stale = [tmp_path / f".v.mp4{TEMP_MARK}{dead_pid()}-0a1b2c3d.mp4", tmp_path / f".v.json{TEMP_MARK}{dead_pid()}-1"]
    stale[0].write_bytes(b"partial")
    stale[1].mkdir()  # a killed set's staging folder
    with OutputSet(tmp_path, ["v.mp4", "v.json"], marker="v.json") as out:
        out.write(tmp_path / "v.mp4", lambda path: path.write_bytes(b"video"))
        records = out.file_records()
        out.write(tmp_path / "v.json", lambda path: path.write_text("{}"))
        out.publish()
    assert records == {"v.mp4": {"bytes": 5, "sha256": sha256_file(tmp_path / "v.mp4")}}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.json", "v.mp4"]


def test_a_full_disk_is_one_line_and_leaves_nothing(small_disk):
    with pytest.raises(UserFileError, match=f"^cannot write {small_disk / 'big.bin'}: no space left on device"):
        write_bytes_atomically(small_disk / "big.bin", b"x" * 100_000)
    assert list(small_disk.iterdir()) == []
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(UserFileError, match="read-only file system; choose a folder you can write to"):
        writable_folder(small_disk)
    with pytest.raises(UserFileError, match=f"^cannot write {small_disk / 'a.json'}: read-only file system"):
        write_bytes_atomically(small_disk / "a.json", b"{}")


def test_an_output_set_never_replaces_or_removes_a_file_kinema_did_not_make(tmp_path):
    (tmp_path / "v.mp4").write_text("my own video")
    (tmp_path / "v.json").write_text('{"my": "notes"}')  # JSON, but no kinema sidecar: it records no files
    with pytest.raises(UserFileError, match=f"^{tmp_path / 'v.json'}, {tmp_path / 'v.mp4'} exist and were not made "
                                            "by kinema; choose another output or remove them$"):
        OutputSet(tmp_path, ["v.gif", "v.json"], marker="v.json", stale=["v.mp4"])
    (tmp_path / "v.json").write_text(sidecar("v.mp4"))  # an earlier set's: its video may go, the user's gif not
    (tmp_path / "v.gif").write_text("my own gif")
    with pytest.raises(UserFileError, match=f"^{tmp_path / 'v.gif'} exists and was not made by kinema; choose "
                                            "another output or remove it$"):
        OutputSet(tmp_path, ["v.mp4", "v.json"], marker="v.json", stale=["v.gif"])
    (tmp_path / "w.mp4").write_text("my own video, and no sidecar w.json at all")
    with pytest.raises(UserFileError, match="w.mp4 exists and was not made by kinema"):
        OutputSet(tmp_path, ["w.mp4", "w.json"], marker="w.json")
    assert (tmp_path / "v.mp4").read_text() == "my own video" and (tmp_path / "v.gif").read_text() == "my own gif"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.gif", "v.json", "v.mp4", "w.mp4"]


def test_a_folder_at_a_stale_name_is_refused_and_never_costs_the_old_marker(tmp_path):
    (tmp_path / "v.mp4").write_text("old")
    (tmp_path / "v.json").write_text(sidecar("v.mp4", "v.gif"))
    (tmp_path / "v.gif").mkdir()
    message = f"^{tmp_path / 'v.gif'} is a folder, where this run would remove an older run's file; rename or " \
              "remove the folder, or choose another output$"
    with pytest.raises(UserFileError, match=message):
        OutputSet(tmp_path, ["v.mp4", "v.json"], marker="v.json", stale=["v.gif"])  # before the work
    (tmp_path / "v.gif").rmdir()
    with pytest.raises(UserFileError, match=message), \
            OutputSet(tmp_path, ["v.mp4", "v.json"], marker="v.json", stale=["v.gif"]) as out:
        out.staged("v.mp4").write_text("new")
        out.staged("v.json").write_text("new")
        (tmp_path / "v.gif").mkdir()  # made while the work ran
        out.publish()
    assert (tmp_path / "v.mp4").read_text() == "old" and json.loads((tmp_path / "v.json").read_text())["files"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.gif", "v.json", "v.mp4"]


def test_temporaries_of_a_long_name_fit_the_file_system_and_are_still_cleaned_up(tmp_path):
    long = "v" * 240  # v...v.json is 245 characters: a valid name, whose plain temporary name would not be
    stale = temporary_name(tmp_path / f"{long}.mp4").name.replace(f"-{os.getpid()}-", f"-{dead_pid()}-")
    other = temporary_name(tmp_path / f"{long}w.mp4").name.replace(f"-{os.getpid()}-", f"-{dead_pid()}-")
    for name in (stale, other):
        (tmp_path / name).write_text("a killed writer's")
    assert len(stale) <= 255 and stale.startswith(f".{long[:150]}") and stale.endswith(".mp4") and TEMP_MARK in stale
    write_bytes_atomically(tmp_path / f"{long}.mp4", b"video")
    with OutputSet(tmp_path, [f"{long}.gif", f"{long}.json"], marker=f"{long}.json") as out:  # staged beside them
        out.write(tmp_path / f"{long}.gif", lambda path: path.write_bytes(b"video"))
        out.write(tmp_path / f"{long}.json", lambda path: path.write_text(json.dumps(out.file_records())))
        out.publish()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([other, *(f"{long}{suffix}" for suffix in
                                                                          (".gif", ".json", ".mp4"))])


def test_a_folders_temporary_is_named_for_it_so_a_killed_writers_is_found(tmp_path):
    with folder_written_atomically(tmp_path / "step_000100") as folder:
        assert folder.name.startswith(f".step_000100{TEMP_MARK}{os.getpid()}-")


KILLED_PUBLISH = """
import os, signal, sys
from pathlib import Path
from fileio import OutputSet
folder = Path(sys.argv[1])
moves = []
real_replace = os.replace
def replace_then_die(source, target):
    if len(moves) == 2:  # the old marker moved aside and the new video moved in: killed before the sidecar
        os.kill(os.getpid(), signal.SIGKILL)
    moves.append(target)
    real_replace(source, target)
with OutputSet(folder, ["v.mp4", "v.json"], marker="v.json") as out:
    out.write(folder / "v.mp4", lambda path: path.write_text("new"))
    out.write(folder / "v.json", lambda path: path.write_text('{"files": {"v.mp4": {}}}'))
    os.replace = replace_then_die
    out.publish()
"""


def test_after_a_publish_killed_midway_the_next_run_replaces_the_set(tmp_path):
    def publish(video: str) -> None:
        with OutputSet(tmp_path, ["v.mp4", "v.json"], marker="v.json") as out:
            out.write(tmp_path / "v.mp4", lambda path: path.write_text(video))
            out.write(tmp_path / "v.json", lambda path: path.write_text('{"files": {"v.mp4": {}}}'))
            out.publish()

    publish("old")
    killed = subprocess.run([sys.executable, "-c", KILLED_PUBLISH, str(tmp_path)])
    assert killed.returncode == -9
    assert (tmp_path / "v.mp4").read_text() == "new" and not (tmp_path / "v.json").exists()  # no mixed set
    publish("newer")  # the killed run's staging folder shows the video is kinema's: not refused as foreign
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.json", "v.mp4"]
    assert (tmp_path / "v.mp4").read_text() == "newer"
