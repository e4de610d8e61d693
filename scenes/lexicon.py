"""The object lexicon: scenes/lexicon.yaml read and checked into `NounSpec` records.

The YAML holds every everyday noun kinema knows, its forms (plurals, synonyms, two-word names) and the rigid
proxy that stands in for it: a primitive, a compound of primitives or a solid of revolution (scenes.proxies
makes their meshes). It also lists, by category, the things kinema does not simulate.
"""

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

LEXICON_FILE = Path(__file__).parent / "lexicon.yaml"
PART_KINDS = ("box", "cylinder", "cylinder_x", "cylinder_y", "sphere")
PRIMITIVES = ("sphere", "box", "cylinder", "capsule", "cone", "plane")

Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class Part:
    """One primitive of a compound, in the object's frame (z up, the floor at z = 0)."""

    kind: str  # PART_KINDS: a cylinder's axis is z, or x / y for cylinder_x / cylinder_y
    size: Vec3  # extents x, y, z in metres
    centre: Vec3


@dataclass(frozen=True)
class NounSpec:
    """What an everyday noun means: its proxy's shape and extents (x, y, z in metres) and its defaults."""

    shape: str
    size: Vec3
    material: str
    static: bool = False
    tilt_deg: float = 0.0  # ramps are tilted about their width axis
    category: str = "shapes"
    mass: float | None = None  # kg at `size` in `material`; None: density x volume
    colour: str | None = None  # None: the parser draws one
    parts: tuple[Part, ...] = ()  # a compound's primitives
    profile: tuple[tuple[float, float], ...] = ()  # a solid of revolution: (radius, height) bottom to top
    hollow: float = 0.0  # wall thickness in m of a hollow solid of revolution (a bucket); 0 = solid
    mesh_file: str | None = None  # a mesh shipped in scenes/library/meshes


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str
    forms: list[str] = []
    plural: str | None = None  # when it is not the first form ending in s (die: dice)
    singular: list[str] = []  # forms that end in s but name one object ("stairs": a staircase)
    material: str
    mass: float | None = Field(default=None, gt=0.0)
    colour: str | None = None
    static: bool = False
    tilt_deg: float = 0.0
    shape: Literal[PRIMITIVES] | None = None
    size: tuple[float, float, float] | None = None
    parts: list[tuple] | None = None
    profile: list[tuple[float, float]] | None = None
    hollow: float = Field(default=0.0, ge=0.0)
    mesh: str | None = None

    @model_validator(mode="after")
    def _one_proxy(self) -> "_Entry":
        proxies = [self.shape is not None, self.parts is not None, self.profile is not None, self.mesh is not None]
        if sum(proxies) != 1:
            raise ValueError("give exactly one proxy: shape + size, parts, profile or mesh")
        if (self.shape is not None or self.mesh is not None) != (self.size is not None):
            raise ValueError("a primitive or mesh file needs a size, and parts or a profile give their own")
        return self


class _OutOfScope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    words: list[str]
    instead: str


def _part(raw: tuple, noun: str) -> list[Part]:
    """A part and its mirror images: [kind, size, centre] or [kind, size, centre, 'x' | 'y' | 'xy']."""
    if len(raw) not in (3, 4) or raw[0] not in PART_KINDS:
        raise ValueError(f"{noun}: a part is [kind, [sx, sy, sz], [x, y, z], mirror], kind one of {PART_KINDS}")
    kind, size, centre = raw[0], tuple(map(float, raw[1])), tuple(map(float, raw[2]))
    mirror = raw[3] if len(raw) == 4 else ""
    signs_x = (1, -1) if "x" in mirror else (1,)
    signs_y = (1, -1) if "y" in mirror else (1,)
    return [Part(kind, size, (centre[0] * sx, centre[1] * sy, centre[2])) for sx in signs_x for sy in signs_y]


def _parts_extent(parts: list[Part]) -> Vec3:
    low = [min(p.centre[a] - p.size[a] / 2 for p in parts) for a in range(3)]
    high = [max(p.centre[a] + p.size[a] / 2 for p in parts) for a in range(3)]
    return tuple(round(h - lo, 6) for lo, h in zip(low, high))


def _spec(noun: str, entry: _Entry) -> NounSpec:
    common = dict(material=entry.material, static=entry.static, tilt_deg=entry.tilt_deg, category=entry.category,
                  mass=entry.mass, colour=entry.colour)
    if entry.shape is not None:
        return NounSpec(shape=entry.shape, size=tuple(entry.size), **common)
    if entry.mesh is not None:
        return NounSpec(shape="mesh", size=tuple(entry.size), mesh_file=entry.mesh, **common)
    if entry.parts is not None:
        parts = tuple(part for raw in entry.parts for part in _part(raw, noun))
        return NounSpec(shape="mesh", size=_parts_extent(parts), parts=parts, **common)
    profile = tuple((float(r), float(z)) for r, z in entry.profile)
    if any(r < 0 for r, _ in profile) or any(b[1] <= a[1] for a, b in zip(profile, profile[1:])):
        raise ValueError(f"{noun}: a profile's radii are >= 0 and its heights rise")
    width = 2 * max(r for r, _ in profile)
    height = profile[-1][1] - profile[0][1]
    return NounSpec(shape="mesh", size=(round(width, 6), round(width, 6), round(height, 6)), profile=profile,
                    hollow=entry.hollow, **common)


@dataclass(frozen=True)
class Lexicon:
    nouns: dict[str, NounSpec]
    forms: dict[str, str]  # every form (canonical, plural, synonym; words joined by "_") -> canonical noun
    plurals: dict[str, str]  # canonical noun -> the plural captions write
    singular: set[str]  # forms ending in s that name one object
    out_of_scope: dict[str, tuple[str, str]]  # word -> (category, the nearest in-scope prompt)


def joined(form: str) -> str:
    """A written form as one token: "bowling pin" -> "bowling_pin", "rubik's cube" -> "rubiks_cube"."""
    return "_".join(form.lower().replace("'", "").split())


def _plural(noun: str, forms: list[str]) -> str:
    """The first form that ends in s and begins as the noun does ("shelves"), else the noun plus s or es."""
    start = noun[:max(3, len(noun) - 2)]
    written = [joined(f) for f in forms if f.endswith("s") and joined(f).startswith(start)]
    return written[0] if written else noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")


def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """The lexicon in `path`; a malformed entry is a ValueError naming it (the file ships with kinema)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    nouns: dict[str, NounSpec] = {}
    forms: dict[str, str] = {}
    plurals: dict[str, str] = {}
    singular: set[str] = set()
    for noun, raw in data["objects"].items():
        entry = _Entry.model_validate(raw)
        singular |= {joined(form) for form in entry.singular}
        nouns[noun] = _spec(noun, entry)
        for form in [noun, *entry.forms]:
            key = joined(form)
            if forms.get(key, noun) != noun:
                raise ValueError(f"the form {form!r} names both {forms[key]} and {noun}")
            forms[key] = noun
        plurals[noun] = joined(entry.plural) if entry.plural else _plural(noun, entry.forms)
        if forms.setdefault(plurals[noun], noun) != noun:
            raise ValueError(f"the plural {plurals[noun]!r} of {noun} is a form of {forms[plurals[noun]]}")
    out_of_scope = {}
    for category, raw in data["out_of_scope"].items():
        group = _OutOfScope.model_validate(raw)
        for word in group.words:
            out_of_scope[joined(word)] = (category, group.instead)
    return Lexicon(nouns, forms, plurals, singular, out_of_scope)


def plural_forms(lexicon: Lexicon) -> set[str]:
    """Forms that name several objects: the plurals, and every other form ending in s that is not a noun."""
    plural = set(lexicon.plurals.values())
    return plural | {form for form, noun in lexicon.forms.items() if form != noun and form.endswith("s")
                     and not form.endswith("ss") and form not in lexicon.nouns and form not in lexicon.singular}


def volume_ratio(size: Vec3, reference: Vec3) -> float:
    """How much more material a body of extents `size` holds than one of `reference` (same proportions or not)."""
    return math.prod(size) / math.prod(reference)
