"""Quantities with units, as written in prompts and scripts."""

import math

import pytest

from scenes import SceneError
from scenes.units import parse_quantity


@pytest.mark.parametrize("text, dimension, value", [
    ("30 cm", "length", 0.3), ("2m", "length", 2.0), (2, "length", 2.0), ("1.5 metres", "length", 1.5),
    ("45 deg", "angle", math.pi / 4), ("3 s", "time", 3.0), ("2 m/s", "speed", 2.0), ("250 g", "mass", 0.25),
])
def test_quantities_convert_to_si(text, dimension, value):
    assert parse_quantity(text, dimension) == pytest.approx(value)


@pytest.mark.parametrize("text, dimension, message", [
    ("30 furlongs", "length", "unknown unit 'furlongs'"),
    ("3 s", "length", "is a time, but a length is expected"),
    ("tall", "length", "cannot read 'tall'"),
    (True, "length", "expected a length"),
    ([1, 2], "length", "expected a length"),
])
def test_bad_quantities_are_explained(text, dimension, message):
    with pytest.raises(SceneError, match=message):
        parse_quantity(text, dimension)
