"""The object lexicon: real sizes and masses, proxies whose meshes match them, forms, and refusals by category."""

from collections import Counter

import numpy as np
import pytest

from scenes import vocabulary as vocab
from scenes.bodies import make_body, noun_mass, resolve_mesh
from scenes.errors import SceneError
from scenes.lexicon import load_lexicon
from scenes.parser import read_prompt
from scenes.proxies import has_proxy_mesh, proxy_meshes

PROXY_NOUNS = sorted(noun for noun, spec in vocab.NOUNS.items() if has_proxy_mesh(spec))


def test_the_lexicon_holds_at_least_150_everyday_objects_of_many_kinds():
    categories = Counter(spec.category for spec in vocab.NOUNS.values())
    assert len(vocab.NOUNS) >= 150
    for category in ("furniture", "kitchenware", "sports", "toys", "tools", "containers", "food", "office",
                     "bottles", "games", "vehicles", "household"):
        assert categories[category] >= 5, category
    kinds = Counter("compound" if spec.parts else "revolved" if spec.profile else spec.shape
                    for spec in vocab.NOUNS.values())
    assert kinds["compound"] >= 30 and kinds["revolved"] >= 20


@pytest.mark.parametrize("noun, extent, axis", [("marble", 0.016, 0), ("basketball", 0.24, 0), ("table", 0.75, 2),
                                                ("tennis_ball", 0.067, 0), ("bowling_pin", 0.381, 2)])
def test_objects_have_their_real_world_size(noun, extent, axis):
    assert make_body("x", noun, "red").size[axis] == pytest.approx(extent, abs=1e-3)


def test_every_entry_names_known_materials_and_colours_and_a_positive_mass():
    for noun, spec in vocab.NOUNS.items():
        assert spec.material in vocab.MATERIALS and (spec.colour is None or spec.colour in vocab.COLOURS), noun
        body = make_body("x", noun, spec.colour or "red")
        assert body.mass > 0 and min(body.size[:2]) > 0, noun


def test_real_masses_scale_with_volume_and_density():
    plate = make_body("x", "plate", "white")
    assert plate.mass == pytest.approx(0.5)
    doubled = noun_mass("plate", "cylinder", tuple(2 * s for s in plate.size), plate.material.density)
    assert doubled == pytest.approx(4.0)  # twice the size each way: eight times the material
    wooden = make_body("x", "plate", "white", material_name="wood")
    assert wooden.mass == pytest.approx(0.5 * 700 / 2400)


@pytest.mark.parametrize("noun", PROXY_NOUNS)
def test_proxy_meshes_fill_their_bounding_box_and_are_closed(noun):
    spec = vocab.NOUNS[noun]
    surface, parts = proxy_meshes(spec)
    assert np.allclose(surface.extents, spec.size, atol=3e-3)
    if spec.profile:
        assert surface.is_watertight and surface.volume > 0
    if parts is not None:  # convex parts cover the surface's box exactly, so PyBullet's compound matches it
        low = np.min([p.bounds[0] for p in parts], axis=0)
        high = np.max([p.bounds[1] for p in parts], axis=0)
        assert np.allclose(high - low, surface.extents, atol=1e-6)
    assert resolve_mesh(f"kinema:{noun}").is_file()


def test_compounds_are_their_parts():
    table = vocab.NOUNS["table"]
    assert len(table.parts) == 5 and {p.kind for p in table.parts} == {"box"}  # a top and four legs
    assert {p.kind for p in vocab.NOUNS["toy_car"].parts} == {"box", "cylinder_y"}  # a body and wheels


def test_forms_plurals_and_synonyms_name_their_object():
    lexicon = load_lexicon()
    for form, noun in (("bowling_pins", "bowling_pin"), ("skittle", "bowling_pin"), ("dice", "die"),
                       ("knives", "knife"), ("couch", "sofa"), ("football", "soccer_ball")):
        assert lexicon.forms[form] == noun
    assert lexicon.plurals["shelf"] == "shelves" and lexicon.plurals["glass"] == "glasses"


@pytest.mark.parametrize("prompt, category", [
    ("a cat chases a ball", "animals"), ("a man kicks a ball", "people"), ("water pours into a glass", "liquids"),
    ("a balloon floats up", "gases"), ("a flag waves on a pole", "cloth"), ("a candle with a flame", "fire"),
    ("a tree falls over", "plants"),
])
def test_out_of_scope_things_are_refused_by_category_in_one_line(prompt, category):
    with pytest.raises(SceneError, match=rf"out of scope \({category}.*rigid bodies only; try e.g. '") as caught:
        read_prompt(prompt)
    assert "\n" not in str(caught.value)
    suggestion = str(caught.value).split("try e.g. '")[1].split("'")[0].split(" (")[0]
    read_prompt(suggestion)  # the suggested prompt parses


def test_multiword_objects_keep_their_compound_words_apart_from_refusals():
    graph = read_prompt("a rubber duck and a teddy bear on a pool ball")  # duck, bear and pool alone are refused
    assert [b.noun for b in graph.bodies] == ["rubber_duck", "teddy_bear", "billiard_ball"]
