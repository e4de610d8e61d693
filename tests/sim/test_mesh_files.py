"""Mesh files reach the simulator by a graph (a script's, or a graph.json handed to it), so the simulator checks
them as `kinema check` does: packaged names stay in their folder, reads are bounded, bad files are one line."""

import os

import numpy as np
import pytest
import trimesh

from scenes.bodies import MAX_MESH_BYTES, PACKAGED_MESH_DIR, colour, make_body, material, read_mesh, resolve_mesh
from scenes.errors import SceneError
from scenes.graph import SceneGraph
from scenes.schema import Ground, Settings
from sim import simulate


def graph_json(mesh: str) -> str:
    """The JSON of a laid-out graph holding one static bowl whose mesh is `mesh`, as a graph.json would."""
    graph = SceneGraph(Ground(colour=colour("grey"), material=material("stone")), settings=Settings(laid_out=True))
    bowl = make_body("bowl", "bowl", "white", static=True).model_copy(update={"mesh": mesh})
    graph.add_body(bowl)
    return graph.to_json()


def simulated(mesh: str) -> str:
    """The one-line error of simulating a graph read back from JSON with that mesh."""
    with pytest.raises(SceneError) as caught:
        simulate(SceneGraph.from_json(graph_json(mesh)), seconds=0.25)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_packaged_name_cannot_leave_the_packaged_folder(tmp_path):
    evil = tmp_path / "SOMEWHERE" / "evil.obj"
    evil.parent.mkdir()
    trimesh.creation.box().export(evil)
    name = "kinema:" + os.path.relpath(evil.with_suffix(""), PACKAGED_MESH_DIR)
    assert name.startswith("kinema:../")
    assert simulated(name).startswith(f"unknown packaged mesh {name!r}; packaged meshes are kinema:bowl and the "
                                      "lexicon's objects with a mesh (kinema:")


def test_the_packaged_bowl_reads_as_a_checked_mesh():
    mesh = read_mesh(resolve_mesh("kinema:bowl"))
    assert len(mesh.faces) == 768 and np.allclose(mesh.extents, (0.8, 0.8, 0.3))


@pytest.mark.parametrize("name, content, fragment", [
    ("noise.obj", bytes(range(128, 256)) * 20, "noise.obj:1: the mesh file is not UTF-8 text (byte 0x80)"),
    ("empty.obj", b"", "has no triangles"),
    ("latin1.stl", trimesh.creation.box().export(file_type="stl_ascii").replace("solid", "solid caf\xe9", 1)
     .encode("latin-1"), "is neither a binary STL nor UTF-8 text"),
    ("huge.obj", None, "(64.0 MiB)"),
])
def test_bad_mesh_files_are_one_line_errors_not_trimesh_guesses(tmp_path, name, content, fragment):
    """Before, trimesh guessed the encoding of binary bytes and failed with "No module named 'charset_normalizer'"."""
    path = tmp_path / name
    if content is None:
        with open(path, "wb") as handle:
            handle.truncate(MAX_MESH_BYTES + 1)  # sparse: refused by its size, unread
    else:
        path.write_bytes(content)
    message = simulated(str(path))
    assert fragment in message and "charset_normalizer" not in message


@pytest.mark.parametrize("kind", ["stl", "ply"])
def test_binary_stl_and_ply_meshes_read(tmp_path, kind):
    path = tmp_path / f"box.{kind}"
    path.write_bytes(trimesh.creation.box(extents=(1.0, 2.0, 3.0)).export(file_type=kind))
    assert np.allclose(read_mesh(path).extents, (1.0, 2.0, 3.0))
