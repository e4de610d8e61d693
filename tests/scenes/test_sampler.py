"""The random scene sampler: deterministic per (seed, index), covering the whole vocabulary."""

from collections import Counter

from scenes import sample_scene, scene_rng
from scenes import vocabulary as vocab
from scenes.sampler import SAMPLED_MATERIALS
from scenes.schema import ACTIONS, CAMERA_MOTIONS, RELATIONS, SHAPES


def test_same_stream_same_scene_and_other_index_other_scene():
    first = sample_scene(scene_rng(0, "sampler", 0))
    assert first == sample_scene(scene_rng(0, "sampler", 0))
    assert first != sample_scene(scene_rng(0, "sampler", 1))
    assert first != sample_scene(scene_rng(1, "sampler", 0))


def test_covers_every_shape_colour_material_relation_motion_and_camera_move():
    seen = Counter()
    for index in range(400):
        graph = sample_scene(scene_rng(0, "sampler", index))
        seen.update(("shape", b.shape) for b in graph.bodies)
        seen.update(("colour", b.colour.name) for b in graph.bodies)
        seen.update(("material", b.material.name) for b in graph.bodies)
        seen.update(("relation", r.relation) for r in graph.relations)
        seen.update(("action", a.action) for a in graph.actions)
        seen.update(("group", b.group.kind) for b in graph.bodies if b.group)
        seen[("camera", graph.camera.path.motion)] += 1
        seen[("texture", graph.ground.texture)] += 1
        seen[("after_fall", True)] += sum(a.after_fall for a in graph.actions)
    expected = {("shape", s) for s in SHAPES} | {("colour", c) for c in vocab.COLOURS}
    expected |= {("material", m) for m in SAMPLED_MATERIALS} | {("relation", r) for r in RELATIONS}
    expected |= {("action", a) for a in ACTIONS} | {("camera", m) for m in CAMERA_MOTIONS}
    expected |= {("group", "tower"), ("group", "row"), ("texture", "checker"), ("after_fall", True)}
    missing = {key for key in expected if seen[key] == 0}
    assert not missing


def test_bodies_have_distinct_colours():
    for index in range(50):
        graph = sample_scene(scene_rng(2, "sampler", index))
        by_colour = Counter(b.colour.name for b in graph.bodies if not b.group)
        assert max(by_colour.values()) == 1
