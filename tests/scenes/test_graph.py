"""The scene graph: typed records, edges, lossless JSON round trips, the published schema."""

import json
import math
from pathlib import Path

import pytest

from scenes import SceneError, SceneGraph, parse_prompt, sample_scene, scene_rng
from scenes.bodies import colour, make_body, material
from scenes.schema import Action, Body, Ground, Relation, SceneDocument


def small_graph() -> SceneGraph:
    graph = SceneGraph(Ground(colour=colour("grey"), material=material("stone")))
    graph.add_body(make_body("ball", "ball", "red"))
    graph.add_body(make_body("box", "box", "blue"))
    graph.add_relation(Relation(subject="ball", relation="on", object="box"))
    graph.add_action(Action(subject="ball", action="roll", direction="left", speed=1.5))
    return graph


def test_graph_is_a_multidigraph_of_bodies_ground_and_camera():
    graph = small_graph()
    assert set(graph.nx.nodes) == {"ground", "camera", "ball", "box"}
    assert graph.nx.has_edge("ball", "box", key="on")
    assert graph.nx.has_edge("ball", "ground", key="roll")  # an action with no target points at the ground
    assert [b.id for b in graph.bodies] == ["ball", "box"]
    assert graph.relations[0].relation == "on" and graph.actions[0].speed == 1.5


def test_dict_and_json_round_trip_is_lossless():
    graph = parse_prompt("a red ball falls onto a blue box, then rolls off to the left. the camera orbits", seed=4)
    data = graph.to_dict()
    again = SceneGraph.from_dict(json.loads(json.dumps(data)))
    assert again.to_dict() == data
    assert SceneGraph.from_json(graph.to_json()) == graph
    assert again.events == graph.events and again.events  # the landing impulse survives


@pytest.mark.parametrize("index", range(20))
def test_random_graphs_round_trip_through_json(index):
    graph = sample_scene(scene_rng(11, "sampler", index))
    assert SceneGraph.from_json(graph.to_json()).to_dict() == graph.to_dict()


def test_floats_survive_exactly():
    graph = small_graph()
    body = graph.body("ball").model_copy(update={"position": (0.1 + 0.2, math.pi, 1 / 3)})
    graph.replace_body(body)
    assert SceneGraph.from_json(graph.to_json()).body("ball").position == (0.1 + 0.2, math.pi, 1 / 3)


def test_published_schema_matches_the_models():
    shipped = json.loads((Path(__file__).parents[2] / "scenes" / "scene.schema.json").read_text())
    assert shipped == SceneDocument.model_json_schema()


def test_schema_validates_graph_json():
    jsonschema = pytest.importorskip("jsonschema")
    graph = parse_prompt("three balls next to a crate", seed=0)
    jsonschema.validate(graph.to_dict(), SceneDocument.model_json_schema())


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["bodies"][0].update(size=[-1, 1, 1]), "bodies.0.size"),
    (lambda d: d["bodies"][0].update(orientation=[0, 0, 0, 2]), "unit quaternion"),
    (lambda d: d["bodies"][0].update(shape="torus"), "bodies.0.shape"),
    (lambda d: d["bodies"][0]["material"].update(restitution=1.5), "restitution"),
    (lambda d: d["relations"].append({"subject": "ball_1", "relation": "under", "object": "box_1"}), "relation"),
    (lambda d: d.update(colour="red"), "Extra inputs"),
    (lambda d: d["settings"].update(duration=0), "duration"),
    # a graph.json is held to the scene limits prompts and scripts are: the layout's time grows with bodies²
    (lambda d: d.update(bodies=d["bodies"] * 51), "bodies: List should have at most 100 items"),
    (lambda d: d.update(relations=d["relations"] * 1001), "relations: List should have at most 1000 items"),
])
def test_invalid_graph_dicts_are_refused_with_the_field(mutate, message):
    data = parse_prompt("a ball on a box", seed=0).to_dict()
    mutate(data)
    with pytest.raises(SceneError, match=message):
        SceneGraph.from_dict(data)


@pytest.mark.parametrize("field, written, message", [
    ("linear_velocity", "[1e300, 0, 0]", "bodies.0.linear_velocity.0: Input should be less than or equal to 1000"),
    ("linear_velocity", "[-Infinity, 0, 0]", "bodies.0.linear_velocity.0: Input should be a finite number"),
    ("position", "[NaN, 0, 0]", "bodies.0.position.0: Input should be a finite number"),
    ("mass", "1e300", "bodies.0.mass: Input should be less than or equal to 25000000000"),
    ("size", "[1e308, 1e308, 1e308]", "bodies.0.size.0: Input should be less than or equal to 100"),
])
def test_graph_json_with_absurd_or_non_finite_values_is_refused(field, written, message):
    """json.loads reads NaN and Infinity, and 1e300 is a number: the schema's limits refuse all three."""
    data = small_graph().to_dict()
    data["bodies"][0][field] = "WRITTEN"
    with pytest.raises(SceneError) as caught:
        SceneGraph.from_json(json.dumps(data).replace('"WRITTEN"', written))
    assert str(caught.value) == f"invalid scene graph: {message}"


def test_a_graph_never_holds_or_writes_nan():
    """`model_copy(update=...)` skips validation, so records are validated again where they enter the graph."""
    graph = small_graph()
    drifting = graph.body("ball").model_copy(update={"position": (math.nan, 0.0, 0.0)})
    with pytest.raises(SceneError, match=r"^ball: position.0: Input should be a finite number"):
        graph.replace_body(drifting)
    graph.add_body(drifting.model_copy(update={"id": "ghost"}))  # add_body takes records as they are
    with pytest.raises(SceneError, match=r"^the scene graph: bodies.2.position.0: Input should be a finite number"):
        graph.to_json()


def test_dangling_and_duplicate_ids_are_refused():
    data = small_graph().to_dict()
    data["relations"].append({"subject": "ball", "relation": "near", "object": "ghost"})
    with pytest.raises(SceneError, match="no body named 'ghost'"):
        SceneGraph.from_dict(data)
    graph = small_graph()
    with pytest.raises(SceneError, match="used twice"):
        graph.add_body(make_body("ball", "ball", "green"))
    with pytest.raises(SceneError, match="used twice"):
        graph.add_body(make_body("camera", "ball", "green"))


def test_static_bodies_cannot_act_and_bodies_cannot_relate_to_themselves():
    graph = small_graph()
    graph.add_body(make_body("ramp", "ramp", "grey"))
    with pytest.raises(SceneError, match="static"):
        graph.add_action(Action(subject="ramp", action="push", direction="left"))
    with pytest.raises(SceneError, match="itself"):
        graph.add_relation(Relation(subject="box", relation="near", object="box"))


def test_body_records_validate_their_shape():
    with pytest.raises(ValueError, match="sphere"):
        Body(**{**make_body("b", "ball", "red").model_dump(), "size": (0.3, 0.3, 0.5)})
    with pytest.raises(ValueError, match="mesh"):
        Body(**{**make_body("b", "ball", "red").model_dump(), "mesh": "x.obj"})
