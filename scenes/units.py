"""Quantities with units, as written in prompts and scene scripts, converted to SI."""

import math
import re

from scenes.errors import SceneError

# unit word -> (dimension, factor to SI)
UNITS: dict[str, tuple[str, float]] = {
    "m": ("length", 1.0), "meter": ("length", 1.0), "meters": ("length", 1.0),
    "metre": ("length", 1.0), "metres": ("length", 1.0),
    "cm": ("length", 0.01), "centimeter": ("length", 0.01), "centimeters": ("length", 0.01),
    "centimetre": ("length", 0.01), "centimetres": ("length", 0.01),
    "mm": ("length", 0.001), "millimetres": ("length", 0.001), "millimeters": ("length", 0.001),
    "s": ("time", 1.0), "sec": ("time", 1.0), "secs": ("time", 1.0),
    "second": ("time", 1.0), "seconds": ("time", 1.0),
    "m/s": ("speed", 1.0), "mps": ("speed", 1.0), "cm/s": ("speed", 0.01),
    "deg": ("angle", math.pi / 180), "degree": ("angle", math.pi / 180),
    "degrees": ("angle", math.pi / 180), "rad": ("angle", 1.0), "radians": ("angle", 1.0),
    "kg": ("mass", 1.0), "g": ("mass", 0.001), "grams": ("mass", 0.001),
    "n*s": ("impulse", 1.0), "ns": ("impulse", 1.0),
}

_QUANTITY = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*([a-z/*]+)?\s*$", re.IGNORECASE)


def parse_quantity(value: object, dimension: str) -> float:
    """Convert `2`, `2.5`, `"30 cm"`, `"45 deg"` to a float in SI units of `dimension`.

    A bare number is taken as already in SI units (angles: radians).
    """
    if isinstance(value, bool):
        raise SceneError(f"expected a {dimension}, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise SceneError(f"expected a {dimension} such as 2 or '30 cm', got {value!r}")
    match = _QUANTITY.match(value)
    if not match:
        raise SceneError(f"cannot read {value!r} as a {dimension}; write a number and a unit, e.g. '30 cm'")
    number, unit = float(match.group(1)), (match.group(2) or "").lower()
    if not unit:
        return number
    if unit not in UNITS:
        raise SceneError(f"unknown unit {unit!r} in {value!r}; known units: {', '.join(sorted(UNITS))}")
    unit_dimension, factor = UNITS[unit]
    if unit_dimension != dimension:
        raise SceneError(f"{value!r} is a {unit_dimension}, but a {dimension} is expected here")
    return number * factor
