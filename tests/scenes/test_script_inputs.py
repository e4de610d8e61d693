"""Scene scripts and their meshes are read as the user named them: only regular files, only up to a size, and
bad bytes are located. A FIFO, /dev/zero or /dev/urandom used to hang or read until memory ran out."""

import os
import re
import signal
from pathlib import Path

import pytest

from hybrid.scene_input import load_scene
from scenes.errors import SceneError
from scenes.script import MAX_SCRIPT_BYTES, load_script, read_script, script_description

BALL_SCENE = "bodies:\n  - {id: ball, noun: ball, colour: red}\n"


@pytest.fixture(autouse=True)
def deadline():
    """Fail, instead of hanging the suite, if a read blocks (as it did on a FIFO)."""
    def expire(*_):
        raise TimeoutError("reading the file did not return")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def refused(read, path: Path) -> str:
    with pytest.raises(SceneError) as caught:
        read(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


def fifo(folder: Path, name: str) -> Path:
    path = folder / name
    os.mkfifo(path)
    return path


def device_link(folder: Path, name: str, device: str) -> Path:
    path = folder / name
    path.symlink_to(device)
    return path


@pytest.mark.parametrize("read", [read_script, script_description, load_scene], ids=lambda read: read.__name__)
@pytest.mark.parametrize("make", [
    lambda folder: fifo(folder, "pipe.yaml"),
    lambda folder: device_link(folder, "zero.yaml", "/dev/zero"),
    lambda folder: device_link(folder, "random.yaml", "/dev/urandom"),
], ids=["fifo", "dev-zero", "dev-urandom"])
def test_a_script_that_is_not_a_regular_file_is_refused(tmp_path, read, make):
    path = make(tmp_path)
    message = refused(lambda given: read(str(given) if read is load_scene else given), path)
    assert message == f"{path} is not a regular file (a device, pipe or socket); give the path of a scene script"


def test_a_script_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.truncate(MAX_SCRIPT_BYTES + 1)  # sparse: refused by its size, before any byte is read
    message = refused(read_script, path)
    assert message.startswith(f"the scene script {path} is ")
    assert "over the limit of 1,048,576 bytes (1.0 MiB)" in message


@pytest.mark.parametrize("text, line, field", [
    (b"bodies:\n  - {id: ball, noun: ball,\n     colour: r\xf8d}\n", 3, " bodies[0].colour:"),
    (b"description: caf\xe9\n" + BALL_SCENE.encode(), 1, " description:"),
    (b"# caf\xe9\n" + BALL_SCENE.encode(), 1, ""),  # in a comment: the line alone
])
def test_bad_utf8_is_located_at_its_line_and_field(tmp_path, text, line, field):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(text)
    message = refused(read_script, path)
    assert message.startswith(f"{path}:{line}:{field} the script is not UTF-8 text (byte 0x"), message


def test_a_mesh_that_is_not_a_regular_file_is_refused(tmp_path):
    """Even where the author allows meshes outside the script's folder."""
    fifo(tmp_path, "pipe.obj")
    path = tmp_path / "cup.yaml"
    path.write_text("bodies:\n  - {id: cup, noun: bowl, colour: white, mesh: pipe.obj}\n")
    message = refused(lambda given: read_script(given, allow_outside=True), path)
    assert message.startswith(f"{path}:2: bodies[0].mesh: {tmp_path / 'pipe.obj'} is not a regular file")


def test_a_mesh_over_the_size_limit_is_refused_unread(tmp_path):
    with open(tmp_path / "cup.obj", "wb") as handle:
        handle.truncate(64 * 2**20 + 1)
    path = tmp_path / "cup.yaml"
    path.write_text("bodies:\n  - {id: cup, noun: bowl, colour: white, mesh: cup.obj}\n")
    assert "(64.0 MiB)" in refused(read_script, path)


# --- what load_scene takes for a path ------------------------------------------------------------------
def test_a_device_named_as_the_scene_is_refused_as_a_script_not_parsed_as_a_prompt():
    assert refused(load_scene, "/dev/urandom") == \
        "/dev/urandom is not a regular file (a device, pipe or socket); give the path of a scene script"


@pytest.mark.parametrize("name", ["UP.YAML", "up.Yml", "scene"])
def test_an_existing_script_is_read_whatever_its_suffix(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(BALL_SCENE)
    assert load_scene(name).body_ids == ["ball"]  # as `kinema check` reads it


def test_an_existing_file_that_is_no_script_gets_the_scripts_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes").write_text("hello\n")
    assert refused(load_scene, "notes") == "notes:1: a scene script is a mapping of sections such as description, " \
                                           "bodies and relations; this one is a str"


@pytest.mark.parametrize("argument", ["./missing", "scenes/missing", "~/missing-kinema-scene"])
def test_a_missing_path_is_reported_as_a_path(argument):
    assert refused(load_scene, argument) == \
        f"no scene script at {argument}; check the path, or pass a prompt in quotes"


def test_folders_and_long_prompts_are_not_taken_for_scripts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dominoes").mkdir()  # e.g. the output of `kinema simulate dominoes --out dominoes`
    assert len(load_scene("dominoes").bodies) > 1  # the library's scene
    prompt = "a red ball, " * 25 + "and a cube"  # 310 characters: too long for a file name
    assert len(load_scene(prompt).bodies) == 26


@pytest.mark.parametrize("backdrop, message", [
    ("{sky: blue}", "backdrop.sky: unknown sky 'blue'; known skies: clear, hazy, overcast, dusk"),
    ("{colour: white}", "backdrop.colour: a sky backdrop has no colour; remove it, or set kind: wall or corner"),
    ("{kind: wall, sky: dusk}", "backdrop.sky: a wall backdrop has no sky; remove it, or set kind: sky"),
    ("{kind: wall, side: right}", "backdrop.side: a wall backdrop has no side; remove it, or set kind: corner"),
])
def test_a_backdrop_refuses_what_it_cannot_show(tmp_path, backdrop, message):
    path = tmp_path / "scene.yaml"
    path.write_text(f"backdrop: {backdrop}\nbodies: [{{noun: ball, colour: red}}]\n")
    with pytest.raises(SceneError, match=re.escape(message)):
        load_script(path)


def test_a_backdrop_of_walls_is_white_unless_told(tmp_path):
    path = tmp_path / "scene.yaml"
    path.write_text("backdrop: {kind: corner, side: right}\nground: {texture: planks}\n"
                    "bodies: [{noun: ball, colour: red}]\n")
    graph = load_script(path)
    assert (graph.backdrop.kind, graph.backdrop.colour.name, graph.backdrop.side) == ("corner", "white", "right")
    assert graph.ground.texture == "planks"
