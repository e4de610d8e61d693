"""The layout solver: relations hold in the camera's view, nothing interpenetrates, seeds reproduce."""

import math

import numpy as np
import pytest

from scenes import SceneError, lay_out, parse_prompt, sample_scene, scene_rng
from scenes.geometry import bodies_overlap, half_extents_world, rotation_matrix
from scenes.geometry import look_at
from scenes.parser import read_prompt


def image_x(graph, body_id: str) -> float:
    """Normalised image x of a body's centre from the camera's first pose (OpenGL: looks down -z)."""
    camera_from_world = np.linalg.inv(look_at(graph.camera.eye, graph.camera.look_at))
    x, _, z = (camera_from_world @ [*graph.body(body_id).position, 1.0])[:3]
    return x / -z


def bottom(body) -> float:
    return body.position[2] - half_extents_world(body)[2]


def top(body) -> float:
    return body.position[2] + half_extents_world(body)[2]


@pytest.mark.parametrize("seed", range(10))
def test_left_means_smaller_image_x_for_every_seed(seed):
    graph = parse_prompt("a red ball is to the left of a blue box. a green cone is to the right of the box. "
                         "a yellow can is to the left of the ball", seed=seed)
    xs = [image_x(graph, b) for b in ("can_1", "ball_1", "box_1", "cone_1")]
    assert xs == sorted(xs)


def test_left_holds_for_an_authored_camera_looking_another_way():
    graph = read_prompt("a red ball is to the left of a blue box. a green cone is behind the box", seed=0)
    graph.camera = graph.camera.model_copy(update={"eye": (6.0, 1.0, 2.0), "look_at": (0.0, 1.0, 0.3),
                                                   "pose_from_author": True})
    lay_out(graph, scene_rng(0, "layout"))
    assert image_x(graph, "ball_1") < image_x(graph, "box_1")
    eye = np.array(graph.camera.eye)
    distance = lambda b: np.linalg.norm((np.array(graph.body(b).position) - eye)[:2])  # noqa: E731
    assert distance("cone_1") > distance("box_1")


def test_in_front_of_and_behind_are_distances_from_the_camera():
    graph = parse_prompt("a red ball is in front of a blue box and a green cube is behind the box", seed=2)
    forward = np.subtract(graph.camera.look_at, graph.camera.eye)[:2]
    ahead = {b.id: float(np.subtract(b.position, graph.camera.eye)[:2] @ forward) for b in graph.bodies}
    assert ahead["ball_1"] < ahead["box_1"] < ahead["cube_1"]


def test_stacks_rest_exactly_on_their_supports():
    graph = parse_prompt("a tower of five cubes. a ball is on top of a crate", seed=0)
    cubes = [graph.body(f"cube_{k}") for k in range(1, 6)]
    assert bottom(cubes[0]) == pytest.approx(0.0, abs=1e-9)
    for lower, upper in zip(cubes, cubes[1:]):
        assert bottom(upper) == pytest.approx(top(lower), abs=1e-6)
        assert upper.position[:2] == pytest.approx(lower.position[:2])
    assert bottom(graph.body("ball_1")) == pytest.approx(top(graph.body("crate_1")), abs=1e-6)


def test_drop_height_is_clearance_above_what_the_body_falls_on():
    graph = parse_prompt("a ball falls from 2 m. a cube falls from 1.5 m onto a crate", seed=0)
    assert bottom(graph.body("ball_1")) == pytest.approx(2.0)
    assert bottom(graph.body("cube_1")) - top(graph.body("crate_1")) == pytest.approx(1.5)


def test_a_ball_on_a_ramp_lies_on_its_slope_near_the_top():
    graph = parse_prompt("a ball rolls down a ramp", seed=0)
    ramp, ball = graph.body("ramp_1"), graph.body("ball_1")
    rotation = rotation_matrix(ramp.orientation)
    normal = rotation[:, 2]
    assert math.degrees(math.acos(normal[2])) == pytest.approx(20.0)
    # the ball's centre is one radius above the ramp's top face, on its upper half
    offset = np.subtract(ball.position, ramp.position)
    assert offset @ normal == pytest.approx(ramp.size[2] / 2 + ball.size[0] / 2)
    assert ball.position[2] > ramp.position[2]
    corners = [ramp.position + rotation @ ((np.array(c) * 2 - 1) * np.array(ramp.size) / 2)
               for c in np.ndindex(2, 2, 2)]
    assert min(c[2] for c in corners) == pytest.approx(0.0, abs=1e-9)  # the ramp's low edge touches the floor


def test_motions_become_initial_velocities():
    graph = parse_prompt("a red ball rolls toward a blue box at 3 m/s. a glass ball is thrown at a can. "
                         "a crate is pushed to the left", seed=1)
    ball, box = graph.body("ball_1"), graph.body("box_1")
    direction = np.subtract(box.position, ball.position)[:2]
    velocity = np.array(ball.linear_velocity)
    assert np.linalg.norm(velocity) == pytest.approx(3.0)
    assert velocity[:2] @ direction / np.linalg.norm(direction) == pytest.approx(3.0)
    # rolling without slipping: contact point at rest
    contact_velocity = velocity + np.cross(ball.angular_velocity, [0, 0, -ball.size[0] / 2])
    assert np.abs(contact_velocity).max() == pytest.approx(0.0, abs=1e-9)
    thrown = graph.body("ball_2")
    assert thrown.linear_velocity[2] > 0 and thrown.position[2] > thrown.size[0] / 2
    right = np.cross(np.subtract(graph.camera.look_at, graph.camera.eye), [0, 0, 1])
    assert np.array(graph.body("crate_1").linear_velocity) @ right < 0


def test_a_thrown_body_lands_on_its_target():
    graph = parse_prompt("a ball is thrown at a crate", seed=3)
    ball, crate = graph.body("ball_1"), graph.body("crate_1")
    p0, v0, g = np.array(ball.position), np.array(ball.linear_velocity), 9.81
    goal = np.array(crate.position) + [0, 0, crate.size[2] / 2]
    horizontal = np.linalg.norm((goal - p0)[:2])
    t = horizontal / np.linalg.norm(v0[:2])
    height_then = p0[2] + v0[2] * t - 0.5 * g * t * t
    assert height_then == pytest.approx(goal[2], abs=1e-6)


def test_topple_rotates_the_whole_tower_about_its_bottom_edge():
    graph = parse_prompt("a tower of three cubes topples to the right", seed=0)
    cubes = [graph.body(f"cube_{k}") for k in (1, 2, 3)]
    spins = {tuple(np.round(c.angular_velocity, 9)) for c in cubes}
    assert len(spins) == 1 and any(spins.pop())  # one rigid rotation
    speeds = [np.linalg.norm(c.linear_velocity) for c in cubes]
    assert speeds == sorted(speeds)  # higher blocks move faster


@pytest.mark.parametrize("index", range(40))
def test_random_scenes_never_start_interpenetrating(index):
    graph = sample_scene(scene_rng(5, "sampler", index))
    resting = {(r.subject, r.object) for r in graph.relations if r.relation in ("on", "inside")}
    resting |= {(a.subject, a.target) for a in graph.actions if a.target and graph.body(a.target).noun == "ramp"}
    bodies = graph.bodies
    for i, a in enumerate(bodies):
        for b in bodies[i + 1:]:
            if (a.id, b.id) in resting or (b.id, a.id) in resting:
                continue
            assert not bodies_overlap(a, b), (a.id, b.id)
        assert bottom(a) >= -1e-9


def test_layout_is_reproducible_and_seeded():
    prompt = "a ball next to a box, a cone left of the box and three cubes behind the ball"
    assert parse_prompt(prompt, seed=0) == parse_prompt(prompt, seed=0)
    assert parse_prompt(prompt, seed=0).to_dict() != parse_prompt(prompt, seed=1).to_dict()


def test_a_laid_out_graph_is_left_alone():
    graph = parse_prompt("a ball left of a box", seed=0)
    before = graph.to_dict()
    lay_out(graph, scene_rng(99, "layout"))
    assert graph.to_dict() == before


@pytest.mark.parametrize("prompt, message", [
    ("a ball is left of a box. the box is left of the ball", "contradictory relations"),
    ("a ball is left of a box and the box is left of a cone. the cone is left of the ball", "contradictory"),
    ("a ball is in front of a box. the box is in front of the ball", "contradictory"),
    ("a cube is on a box. the box is on the cube", "in a loop"),
    ("a cube is on a box and on a crate", "rests on both"),
    ("a ball is on a box and to the left of the box", "contradictory relations"),
    ("a huge crate is inside a bowl", "does not fit inside"),
])
def test_contradictions_and_infeasible_layouts_are_reported(prompt, message):
    with pytest.raises(SceneError, match=message):
        parse_prompt(prompt, seed=0)


def test_authored_positions_are_kept_and_checked():
    graph = read_prompt("a red ball and a blue box", seed=0)
    for body_id, position in (("ball_1", (1.0, 0.0, 0.15)), ("box_1", (1.1, 0.0, 0.2))):
        graph.replace_body(graph.body(body_id).model_copy(update={"position": position, "pose_from_author": True}))
    with pytest.raises(SceneError, match="overlap"):
        lay_out(graph, scene_rng(0, "layout"))


def test_inside_a_solid_body_is_on_it_with_a_warning():
    graph = parse_prompt("a ball is inside a box", seed=0)
    assert [(r.subject, r.relation, r.object) for r in graph.relations] == [("ball_1", "on", "box_1")]
    assert any("not inside it" in warning for warning in graph.warnings)



@pytest.mark.parametrize("prompt, relation", [
    ("a cup to the left of a plate, both on a table", ("cup_1", "left_of", "plate_1")),
    ("a bottle behind a can, both standing on a crate", ("bottle_1", "behind", "can_1")),
])
def test_bodies_on_one_support_stand_as_their_relations_say(prompt, relation):
    graph = parse_prompt(prompt, seed=0)  # the layout checks every relation in the camera's view, or raises
    assert relation in {(r.subject, r.relation, r.object) for r in graph.relations}
    support = next(b for b in graph.bodies if b.noun in ("table", "crate"))
    for body_id in relation[::2]:
        body = graph.body(body_id)
        assert body.position[2] - half_extents_world(body)[2] == \
            pytest.approx(support.position[2] + half_extents_world(support)[2], abs=1e-6)
