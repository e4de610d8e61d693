"""Scene scripts: the library reads, values convert to SI, draws are seeded, errors name file:line:field."""

import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from scenes.errors import SceneError
from scenes.geometry import rotation_matrix
from scenes.script import library_scripts, load_script, read_script, script_description

BALL = "  - {id: ball, noun: ball, colour: red}\n"


def write(folder: Path, text: str, name: str = "scene.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def error(path: Path, **options) -> str:
    with pytest.raises(SceneError) as caught:
        read_script(path, **options)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- the library ----------------------------------------------------------------------------------
REQUIRED_SCENES = {
    "free_fall_bounce", "two_balls_collide", "ball_down_ramp", "tower_topple", "dominoes", "object_permanence",
    "left_right", "many_objects_settle", "camera_zoom_in", "camera_orbit", "thrown_parabola", "ice_vs_rubber",
    "heavy_vs_light", "ball_in_bowl", "camera_pan", "camera_track", "front_behind", "stack_on_crate",
    "glass_shatters",
}


def test_library_holds_the_failure_mode_scenes():
    scripts = library_scripts()
    assert scripts == sorted(scripts)
    assert REQUIRED_SCENES <= {path.stem for path in scripts}


@pytest.mark.parametrize("path", library_scripts(), ids=lambda path: path.stem)
def test_library_script_reads(path):
    graph = read_script(path)
    assert len(graph.bodies) >= 1
    assert graph.relations or graph.actions or graph.events or graph.camera.path.motion != "static" \
        or any(body.linear_velocity != (0.0, 0.0, 0.0) for body in graph.bodies)
    description = script_description(path)
    assert description and "\n" not in description
    assert graph.settings.source == str(path)


def test_library_scripts_lay_out():
    pytest.importorskip("scenes.layout")
    from scenes.script import load_script

    for path in library_scripts():
        graph = load_script(path, seed=1)
        assert graph.settings.laid_out and graph.settings.seed == 1 and graph.settings.source == str(path)


def test_library_examples_mean_what_they_say():
    tower = read_script(Path("scenes/library/tower_topple.yaml"))
    assert [body.id for body in tower.bodies] == [f"cube_{k}" for k in range(1, 6)]
    assert tower.actions[0].subject == "cube_1" and tower.actions[0].direction == "right"
    bowl = read_script(Path("scenes/library/ball_in_bowl.yaml")).body("bowl")
    assert bowl.shape == "mesh" and bowl.mesh == "kinema:bowl"
    many = read_script(Path("scenes/library/many_objects_settle.yaml"))
    assert len(many.bodies) >= 12
    heights = {action.height for action in many.actions}
    assert len(heights) == len(many.actions), "each alias of the height anchor draws its own value"


# --- counts, arrangements, ids --------------------------------------------------------------------
def test_count_with_tower_stacks_named_copies(tmp_path):
    graph = read_script(write(tmp_path, """\
        bodies:
          - {id: cube, noun: cube, count: 3, arrangement: tower, colour: red}
        """))
    assert graph.body_ids == ["cube_1", "cube_2", "cube_3"]
    assert [(body.group.id, body.group.kind, body.group.index) for body in graph.bodies] == \
        [("cube", "tower", 0), ("cube", "tower", 1), ("cube", "tower", 2)]
    assert {(r.subject, r.relation, r.object) for r in graph.relations} == \
        {("cube_2", "on", "cube_1"), ("cube_3", "on", "cube_2")}


def test_unnamed_bodies_are_numbered_per_noun(tmp_path):
    graph = read_script(write(tmp_path, """\
        bodies:
          - {noun: dominoes, count: 3, arrangement: row, colour: white}
          - {noun: ball, colour: red}
          - {noun: domino, colour: black}
        """))
    assert graph.body_ids == ["domino_1", "domino_2", "domino_3", "ball_1", "domino_4"]
    assert {body.group.kind for body in graph.bodies[:3]} == {"row"}
    assert graph.relations == [] and graph.body("domino_4").group is None


# --- units ----------------------------------------------------------------------------------------
def test_quantities_are_converted_to_si(tmp_path):
    graph = read_script(write(tmp_path, """\
        duration: 4 s
        camera: {motion: orbit, direction: left, amount: 60 deg, fov: 45 deg}
        bodies:
          - id: block
            noun: block
            colour: [0.1, 0.2, 0.3]
            size: 30 cm
            mass: 500 g
            velocity: [50 cm/s, 0, 0]
          - {id: ball, noun: ball, colour: blue, size: small, material: {name: rubber, friction: 0.9}}
        actions:
          - {subject: ball, action: roll, target: block, speed: 150 cm/s}
          - {subject: block, action: drop, height: 2 m}
        events:
          - {frame: 3, body: ball, impulse: [2 N*s, 0, 0]}
        """))
    block, ball = graph.bodies
    assert graph.settings.duration == 4.0
    assert graph.camera.path.amount == pytest.approx(math.pi / 3)
    assert graph.camera.fov_y == pytest.approx(math.pi / 4)
    assert block.size == pytest.approx((0.3, 0.1875, 0.15))  # the block's 0.4 x 0.25 x 0.2 scaled to 0.3
    assert block.mass == pytest.approx(0.5) and block.linear_velocity == pytest.approx((0.5, 0.0, 0.0))
    assert block.colour.name == "custom" and block.colour.rgb == pytest.approx((0.1, 0.2, 0.3))
    assert ball.size == pytest.approx((0.195, 0.195, 0.195))  # "small" is 0.65 of 0.3 m
    assert ball.material.friction == 0.9 and ball.material.restitution == 0.8
    assert ball.mass == pytest.approx(1100 * math.pi / 6 * 0.195**3)  # rubber density times volume
    actions = {action.action: action for action in graph.actions}
    assert actions["roll"].speed == pytest.approx(1.5) and actions["drop"].height == 2.0
    assert graph.events[0].impulse == (2.0, 0.0, 0.0)


def test_bare_euler_angles_are_degrees(tmp_path):
    graph = read_script(write(tmp_path, """\
        bodies:
          - {id: a, noun: cube, colour: red, orientation: {euler: [90, 0, 90]}}
          - {id: b, noun: cube, colour: red, orientation: {euler: [0, 0, 0.5 rad]}}
          - {id: c, noun: cube, colour: red, orientation: [0, 0, 0, 1]}
        """))
    a, b, c = graph.bodies
    # a quarter turn about x, then about the fixed z: x -> y, y -> z
    assert rotation_matrix(a.orientation) @ [1, 0, 0] == pytest.approx([0, 1, 0], abs=1e-9)
    assert rotation_matrix(a.orientation) @ [0, 1, 0] == pytest.approx([0, 0, 1], abs=1e-9)
    assert b.orientation == pytest.approx((0, 0, math.sin(0.25), math.cos(0.25)))
    assert c.orientation == (0, 0, 0, 1)


def test_author_poses_are_flagged(tmp_path):
    graph = read_script(write(tmp_path, """\
        camera: {eye: [0, -4, 1.5], look_at: [0, 0, 0.3]}
        bodies:
          - {id: placed, noun: ball, colour: red, position: [1, 0, 2 m]}
          - {id: free, noun: ball, colour: blue}
        """))
    assert graph.camera.pose_from_author and graph.camera.eye == (0, -4, 1.5)
    assert graph.body("placed").pose_from_author and graph.body("placed").position == (1, 0, 2)
    assert not graph.body("free").pose_from_author


def test_yaml_12_booleans_and_merge_keys(tmp_path):
    graph = read_script(write(tmp_path, """\
        bodies:
          - &crate {id: crate, noun: crate, colour: brown, static: true}
          - {<<: *crate, id: crate_b, colour: green}
          - {id: ball, noun: ball, colour: red}
        relations:
          - {subject: ball, relation: on, object: crate}
        """))
    assert graph.body("crate_b").static and graph.body("crate_b").colour.name == "green"
    assert graph.relations[0].relation == "on"


# --- seeded randomness ----------------------------------------------------------------------------
RANDOM_SCENE = """\
    seed: 5
    duration: {uniform: [2 s, 4 s]}
    bodies:
      - id: piece
        noun: {choice: [ball, cube, can]}
        count: {uniform: [4, 6]}
        colour: {choice: [red, green, blue, yellow, orange, purple, pink, cyan]}
        size: {normal: [25 cm, 3 cm]}
        position: [{uniform: [-2, 2]}, {uniform: [-2 m, 2 m]}, 1 m]
"""


def test_randomness_is_seeded(tmp_path):
    path = write(tmp_path, RANDOM_SCENE)
    first, again = read_script(path, seed=7), read_script(path, seed=7)
    assert first == again
    assert read_script(path, seed=8) != first
    zero = read_script(path, seed=0)
    assert zero == read_script(path, seed=0) and zero.settings.seed == 0
    assert read_script(path).settings.seed == 5  # the script's own seed when none is given
    assert read_script(path) == read_script(path, seed=5)


def test_each_copy_draws_anew(tmp_path):
    graph = read_script(write(tmp_path, RANDOM_SCENE))
    assert 4 <= len(graph.bodies) <= 6
    assert len({body.position for body in graph.bodies}) == len(graph.bodies)
    assert len({body.size for body in graph.bodies}) == len(graph.bodies)
    assert all(-2 <= body.position[0] <= 2 and body.position[2] == 1 for body in graph.bodies)
    assert 2 <= graph.settings.duration <= 4


def test_whole_number_uniform_includes_both_ends(tmp_path):
    path = write(tmp_path, "bodies:\n  - {noun: ball, colour: red, count: {uniform: [1, 2]}}\n")
    assert {len(read_script(path, seed=seed).bodies) for seed in range(20)} == {1, 2}


# --- errors: FILE:LINE: FIELD: message ------------------------------------------------------------
ERRORS = {
    "unknown key": ("bodies:\n  - id: ball\n    noun: ball\n    colr: red\n", 4, "bodies[0].colr",
                    "unknown key 'colr' (did you mean 'colour'?)"),
    "unknown section": ("bodys:\n" + BALL, 1, "bodys", "(did you mean 'bodies'?)"),
    "bad colour": ("bodies:\n  - noun: ball\n    colour: blu\n", 3, "bodies[0].colour", "unknown colour 'blu'"),
    "negative size": ("bodies:\n  - {noun: ball, colour: red,\n     size: -5 cm}\n", 3, "bodies[0].size",
                      "a size must be positive"),
    "negative extent": ("bodies:\n  - {noun: box, colour: red, size: [0.3, -0.1, 0.2]}\n", 2, "bodies[0].size",
                        "extents must be positive"),
    "bad unit": ("bodies:\n  - {noun: ball, colour: red, size: 30 furlongs}\n", 2, "bodies[0].size",
                 "unknown unit 'furlongs'"),
    "wrong dimension": ("duration: 3 m\n" + "bodies:\n" + BALL, 1, "duration", "a length, but a time is expected"),
    "unknown relation": ("bodies:\n" + BALL + "  - {id: box, noun: box, colour: blue}\nrelations:\n"
                         "  - ball leftof box\n", 5, "relations[0].relation", "(did you mean 'left_of'?)"),
    "relation to a missing body": ("bodies:\n" + BALL + "relations:\n  - ball left_of bal\n", 4, "relations[0]",
                                   "no body named 'bal'"),
    "action on a missing body": ("bodies:\n" + BALL + "actions:\n  - {subject: bll, action: drop}\n", 4,
                                 "actions[0]", "no body named 'bll'"),
    "duplicate key": ("bodies:\n  - noun: ball\n    colour: red\n    colour: blue\n", 4, "bodies[0].colour",
                      "duplicate key 'colour' (first on line 3)"),
    "duplicate id": ("bodies:\n" + BALL + BALL, 3, "bodies[1]", "the id 'ball' is used twice"),
    "low above high": ("bodies:\n  - {noun: ball, colour: red, size: {uniform: [2 m, 1 m]}}\n", 2,
                       "bodies[0].size.uniform", "uniform needs low <= high"),
    "negative std": ("bodies:\n  - {noun: ball, colour: red, mass: {normal: [1, -1]}}\n", 2,
                     "bodies[0].mass.normal", "standard deviation >= 0"),
    "empty choice": ("bodies:\n  - {noun: ball, colour: {choice: []}}\n", 2, "bodies[0].colour.choice",
                     "choice needs a non-empty list"),
    "uniform of a word": ("bodies:\n  - {noun: ball, colour: {uniform: [0, 1]}}\n", 2, "bodies[0].colour",
                          "uniform draws one number"),
    "missing noun": ("bodies:\n  - {colour: red}\n", 2, "bodies[0]", "noun is missing"),
    "arrangement without count": ("bodies:\n  - {noun: cube, colour: red, arrangement: tower}\n", 2,
                                  "bodies[0].arrangement", "needs copies"),
    "camera target missing": ("camera: {motion: track, target: ghost}\nbodies:\n" + BALL, 1, "camera.target",
                              "no body named 'ghost'"),
    "field of view too wide": ("camera:\n  fov: 200 deg\nbodies:\n" + BALL, 2, "camera.fov", "less than"),
    "look_at without eye": ("camera:\n  look_at: [0, 0, 1]\nbodies:\n" + BALL, 2, "camera.look_at", "needs eye"),
    "speed out of range": ("bodies:\n" + BALL + "actions:\n  - subject: ball\n    action: roll\n"
                           "    speed: 500 m/s\n", 6, "actions[0].speed", "less than or equal to 100"),
    "no bodies": ("description: empty\nbodies: []\n", 2, "bodies", "at least one body"),
    "bad version": ("version: 2\nbodies:\n" + BALL, 1, "version", "the only version is 1"),
    "negative seed": ("seed: -1\nbodies:\n" + BALL, 1, "seed", "a seed is a whole number"),
    # what the docs require
    "missing colour": ("bodies:\n  - {id: ball, noun: ball}\n", 2, "bodies[0]", "colour is missing"),
    "event past the end": ("duration: 3 s\nbodies:\n" + BALL + "events:\n  - {frame: 100000, body: ball}\n", 5,
                           "events[0].frame", "frame 100000 is past the scene's last frame, 23 (3 s at 8 fps)"),
    # physical limits: absurd values are refused with the limit, before they reach the physics as NaN
    "absurd velocity": ("bodies:\n  - {noun: ball, colour: red, velocity: [1e300, 0, 0]}\n", 2,
                        "bodies[0].velocity[0]", "less than or equal to 1000; got 1e+300"),
    "absurd spin": ("bodies:\n  - {noun: ball, colour: red, angular_velocity: [0, 0, -1e9]}\n", 2,
                    "bodies[0].angular_velocity[2]", "greater than or equal to -100000"),
    "absurd position": ("bodies:\n  - {noun: ball, colour: red, position: [0, 1e300, 1]}\n", 2,
                        "bodies[0].position[1]", "less than or equal to 10000"),
    "absurd size": ("bodies:\n  - {noun: ball, colour: red, size: 1e308}\n", 2, "bodies[0].size",
                    "a size must be positive and at most 100 m, got 1e+308 m"),
    "absurd extent": ("bodies:\n  - {noun: box, colour: red, size: [0.3, 0.2, 1e308]}\n", 2, "bodies[0].size[2]",
                      "less than or equal to 100"),
    "absurd mass": ("bodies:\n  - {noun: ball, colour: red, mass: 1e300}\n", 2, "bodies[0].mass",
                    "less than or equal to 25000000000"),
    "absurd density": ("bodies:\n  - {noun: ball, colour: red, material: {name: rubber, density: 1e30}}\n", 2,
                       "bodies[0].material.density", "less than or equal to 25000"),
    "absurd gravity": ("gravity: [0, 0, -1e300]\nbodies:\n" + BALL, 1, "gravity[2]",
                       "greater than or equal to -1000"),
    "absurd impulse": ("bodies:\n" + BALL + "events:\n  - {frame: 1, body: ball, impulse: [0, 1e300, 0]}\n", 4,
                       "events[0].impulse[1]", "less than or equal to 1000000000000000"),
    "impulse past the speed limit": ("bodies:\n  - {id: ball, noun: ball, colour: red, mass: 2 kg}\nevents:\n"
                                     "  - frame: 1\n    body: ball\n    impulse: [1e14, 0, 0]\n", 6,
                                     "events[0].impulse", "an impulse of 1e+14 N*s would send ball (2 kg) to 5e+13 "
                                     "m/s, over the 1000 m/s a body may move at; use at most 2000 N*s"),
    "duration under a frame": ("bodies:\n" + BALL + "duration: 0.001 s\n", 3, "duration",
                               "0.001 s at 8 fps is less than one frame; ask for at least 0.125 s"),
    "absurd camera": ("camera:\n  eye: [0, -1e300, 1]\nbodies:\n" + BALL, 2, "camera.eye[1]",
                      "greater than or equal to -10000"),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_name_file_line_and_field(tmp_path, name):
    text, line, field, fragment = ERRORS[name]
    path = write(tmp_path, text)
    message = error(path)
    assert message.startswith(f"{path}:{line}: {field}: "), message
    assert fragment in message


def test_python_tags_are_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    path = write(tmp_path, f"""\
        description: harmless
        bodies: !!python/object/apply:os.system ["touch {marker}"]
        """)
    message = error(path)
    assert message.startswith(f"{path}:2: bodies: ")
    assert "'!!python/object/apply:os.system' is not allowed" in message
    assert not marker.exists()


def test_malformed_yaml_reports_its_line(tmp_path):
    path = write(tmp_path, "description: x\nbodies:\n  - {id: ball, noun: ball, colour: red\nrelations: []\n")
    message = error(path)
    assert message.startswith(f"{path}:4: invalid YAML: ")


def test_alias_bombs_and_loops_are_refused(tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]" for k in range(1, 9)]
    assert "holds over 100000 values (aliases counted" in error(write(tmp_path, "\n".join(levels) + "\n", "bomb.yaml"))
    assert "remove the loop" in error(write(tmp_path, "bodies: &a [*a]\n", "loop.yaml"))


def test_empty_and_non_mapping_scripts(tmp_path):
    assert error(write(tmp_path, "", "empty.yaml")).endswith("this one is empty")
    assert "this one is a list" in error(write(tmp_path, "- ball\n", "list.yaml"))
    with pytest.raises(SceneError, match="no scene script at .*missing.yaml; check the path"):
        read_script(tmp_path / "missing.yaml")


# --- the number of bodies -------------------------------------------------------------------------
@pytest.mark.parametrize("entries, line, field, asked", [
    (["  - {noun: ball, colour: red}\n"] * 5000, 102, "bodies[100]", 5000),  # 150 KB: used to hang the layout
    (["  - {noun: ball, colour: red, count: 60}\n"] * 2 + ["  - {noun: cone, colour: red}\n"], 3, "bodies[1].count",
     121),
])
def test_a_script_over_the_body_limit_is_refused_with_the_count_it_asks_for(tmp_path, entries, line, field, asked):
    path = write(tmp_path, "bodies:\n" + "".join(entries))
    message = error(path)
    assert message == (f"{path}:{line}: {field}: the script asks for {asked} bodies; a scene may have at most "
                       "100, so lower the counts or remove entries")


def test_a_script_at_the_body_limit_lays_out(tmp_path):
    path = write(tmp_path, "bodies:\n  - {noun: ball, colour: red, count: 50}\n"
                           "  - {noun: cube, colour: blue, count: 49}\n  - {noun: cone, colour: green}\n")
    assert len(load_script(path).bodies) == 100


# --- meshes ---------------------------------------------------------------------------------------
MESH_SCENE = "bodies:\n  - {{id: cup, noun: bowl, colour: white, mesh: {mesh}}}\n"
TETRAHEDRON = "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 3 2\nf 1 2 4\nf 1 4 3\nf 2 3 4\n"


def test_mesh_paths_resolve_beside_the_script(tmp_path):
    write(tmp_path, TETRAHEDRON, "scene/meshes/cup.obj")
    graph = read_script(write(tmp_path, MESH_SCENE.format(mesh="meshes/cup.obj"), "scene/cup.yaml"))
    assert graph.body("cup").mesh == str((tmp_path / "scene/meshes/cup.obj").resolve())
    assert graph.body("cup").shape == "mesh"
    packaged = read_script(write(tmp_path, MESH_SCENE.format(mesh="kinema:bowl"), "scene/bowl.yaml"))
    assert packaged.body("cup").mesh == "kinema:bowl"


def test_mesh_may_not_escape_the_folder_unless_allowed(tmp_path):
    outside = write(tmp_path, TETRAHEDRON, "outside.obj")
    path = write(tmp_path, MESH_SCENE.format(mesh="../outside.obj"), "scene/cup.yaml")
    message = error(path)
    assert message.startswith(f"{path}:2: bodies[0].mesh: ") and "outside the script's folder" in message
    # every command reads scripts, so the advice fits all: no flag but check's, no Python unless named so
    assert message.endswith("move the mesh into that folder (kinema check --allow-outside, or allow_outside=True "
                            "in Python, lets a trusted script reach outside)"), message
    assert read_script(path, allow_outside=True).body("cup").mesh == str(outside.resolve())


@pytest.mark.parametrize("mesh, fragment", [
    ("meshes/none.obj", "no mesh file at"),
    ("notes.txt", "not in a known format"),
    ("kinema:spaceship", "unknown packaged mesh 'kinema:spaceship'; packaged meshes are kinema:bowl and"),
    ('"kinema:../../../../../../outside/evil"', "unknown packaged mesh 'kinema:../../../../../../outside/evil'"),
    ("empty.obj", "has no triangles"),
    ("binary.obj", "binary.obj:1: the mesh file is not UTF-8 text (byte 0x80)"),
    ("flat.obj", "is flat (no extent along z)"),
    ("nan.obj", "vertex coordinates that are not finite"),
])
def test_bad_meshes(tmp_path, mesh, fragment):
    """What `simulate` could not use, `check` refuses at the mesh's line, without reaching trimesh's guesses."""
    write(tmp_path, "not a mesh\n", "scene/notes.txt")
    write(tmp_path, TETRAHEDRON, "outside/evil.obj")
    write(tmp_path, "", "scene/empty.obj")
    (tmp_path / "scene/binary.obj").write_bytes(bytes(range(128, 256)) * 10)
    write(tmp_path, "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", "scene/flat.obj")
    write(tmp_path, TETRAHEDRON.replace("v 1 0 0", "v nan 0 0"), "scene/nan.obj")
    path = write(tmp_path, MESH_SCENE.format(mesh=mesh), "scene/cup.yaml")
    message = error(path)
    assert message.startswith(f"{path}:2: bodies[0].mesh: ") and fragment in message


# --- layout -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, line, field, fragment", [
    ("bodies:\n  - {id: a, noun: ball, colour: red}\n  - {id: b, noun: box, colour: blue}\n"
     "relations:\n  - a left_of b\n  - b left_of a\n", 5, "relations[0]", "contradictory relations: a left of b"),
    ("bodies:\n" + BALL + "  - {id: box, noun: box, colour: blue, position: [60, 0, 0.2]}\n"
     "actions:\n  - {subject: ball, action: throw, target: box}\n", 5, "actions[0]", "ball would need"),
])
def test_layout_errors_name_the_line_and_entry(tmp_path, text, line, field, fragment):
    path = write(tmp_path, text)
    with pytest.raises(SceneError) as caught:
        load_script(path)
    assert str(caught.value).startswith(f"{path}:{line}: {field}: {fragment}"), caught.value


# --- descriptions ---------------------------------------------------------------------------------
def test_script_description(tmp_path):
    assert script_description(write(tmp_path, "description: A ball.\nbodies:\n" + BALL)) == "A ball."
    assert script_description(write(tmp_path, "bodies:\n" + BALL, "bare.yaml")) == ""
    with pytest.raises(SceneError, match="one line"):
        script_description(write(tmp_path, "description: [not, text]\n", "list.yaml"))


def test_seed_argument_is_checked():
    with pytest.raises(SceneError, match="seed"):
        read_script(library_scripts()[0], seed=-3)
    assert np.isfinite(read_script(library_scripts()[0], seed=0).bodies[0].mass)


def test_a_delayed_action_and_a_release_event_are_read(tmp_path):
    path = tmp_path / "later.yaml"
    path.write_text(textwrap.dedent("""\
        bodies:
          - {noun: plate, colour: white, id: plate}
          - {noun: ball, colour: red, id: ball}
        actions:
          - {subject: plate, action: drop, delay: 1 s}
        events:
          - {frame: 4, body: ball, release: true}
        """))
    graph = load_script(path)
    assert next(a for a in graph.actions if a.subject == "plate").delay == 1.0
    released = sorted((e.frame, e.body) for e in graph.events if e.release)
    assert released == [(4, "ball"), (8, "plate")]  # the delayed fall is held until 1 s (frame 8 at 8 fps)
