"""Building body records from words: a noun, a colour, a material, a size, a mass word.

The parser, the scene-script loader and the sampler all make bodies here, so "a small red rubber ball"
means the same record whichever way it was written.
"""

import math
from pathlib import Path

from scenes.errors import SceneError
from scenes.graph import SceneGraph
from scenes.schema import Body, Colour, Group, Material, Relation
from scenes.vocabulary import COLOUR_SYNONYMS, COLOURS, MATERIALS, NOUNS

# Hollow meshes (bowls) are a thin shell: their mass is this fraction of the bounding box's volume times
# the density, unless the author gives a mass.
MESH_FILL_FRACTION = 0.15
PACKAGED_MESHES = {"bowl": "kinema:bowl"}
PACKAGED_MESH_DIR = Path(__file__).parent / "library" / "meshes"
MESH_SUFFIXES = (".obj", ".stl", ".ply")


def resolve_mesh(mesh: str) -> Path:
    """The file of a body's mesh: `kinema:NAME` is a mesh shipped in scenes/library/meshes, else a path."""
    path = PACKAGED_MESH_DIR / f"{mesh[len('kinema:'):]}.obj" if mesh.startswith("kinema:") else Path(mesh)
    if not path.is_file():
        raise SceneError(f"mesh file {str(path)!r} does not exist")
    return path


def colour(name: str) -> Colour:
    canonical = COLOUR_SYNONYMS.get(name, name)
    if canonical not in COLOURS:
        raise SceneError(f"unknown colour {name!r}; known colours: {', '.join(COLOURS)}")
    return Colour(name=canonical, rgb=COLOURS[canonical])


def material(name: str) -> Material:
    if name not in MATERIALS:
        raise SceneError(f"unknown material {name!r}; known materials: {', '.join(MATERIALS)}")
    spec = MATERIALS[name]
    return Material(name=name, density=spec.density, friction=spec.friction, restitution=spec.restitution)


def volume(shape: str, size: tuple[float, float, float]) -> float:
    """Volume in m^3 of a shape with extents `size` (x, y, z)."""
    x, y, z = size
    if shape == "sphere":
        return math.pi / 6 * x * y * z
    if shape == "box":
        return x * y * z
    if shape == "cylinder":
        return math.pi / 4 * x * y * z
    if shape == "capsule":
        radius = x / 2
        return math.pi * radius**2 * max(z - x, 0.0) + 4 / 3 * math.pi * radius**3
    if shape == "cone":
        return math.pi / 12 * x * y * z
    if shape == "mesh":
        return MESH_FILL_FRACTION * x * y * z
    return 0.0  # plane: static, massless


def mass_of(shape: str, size: tuple[float, float, float], density: float, factor: float = 1.0) -> float:
    """Mass in kg from density and volume; planes get 1 kg (they are static, PyBullet ignores it)."""
    return density * volume(shape, size) * factor if shape != "plane" else 1.0


def scaled_size(noun: str, scale: float = 1.0, largest_extent: float | None = None) -> tuple[float, float, float]:
    """The noun's default extents, scaled by a size word or set so the largest extent is given."""
    base = NOUNS[noun].size
    if largest_extent is not None:
        if largest_extent <= 0:
            raise SceneError(f"a size must be positive, got {largest_extent} m")
        scale = largest_extent / max(base)
    return tuple(round(extent * scale, 6) for extent in base)


def make_body(
    body_id: str,
    noun: str,
    colour_name: str,
    material_name: str | None = None,
    size: tuple[float, float, float] | None = None,
    mass_factor: float = 1.0,
    static: bool | None = None,
    group: Group | None = None,
    mass: float | None = None,
) -> Body:
    """A body at the origin, at rest, from the noun's defaults overridden by what was said."""
    if noun not in NOUNS:
        raise SceneError(f"unknown object {noun!r}; known objects: {', '.join(NOUNS)}")
    spec = NOUNS[noun]
    size = size or spec.size
    chosen_material = material(material_name or spec.material)
    return Body(
        id=body_id,
        noun=noun,
        shape=spec.shape,
        size=size,
        mesh=PACKAGED_MESHES.get(noun) if spec.shape == "mesh" else None,
        colour=colour(colour_name),
        material=chosen_material,
        mass=mass if mass is not None else mass_of(spec.shape, size, chosen_material.density, mass_factor),
        static=spec.static if static is None else static,
        position=(0.0, 0.0, 0.0 if spec.shape == "plane" else size[2] / 2),
        group=group,
    )


def add_bodies(
    graph: SceneGraph,
    noun: str,
    count: int,
    colour_name: str,
    material_name: str | None = None,
    size: tuple[float, float, float] | None = None,
    mass_factor: float = 1.0,
    static: bool | None = None,
    arrangement: str | None = None,
    mass: float | None = None,
) -> list[str]:
    """Add `count` alike bodies named noun_1, noun_2, ...; a tower stacks them (each `on` the one before)."""
    group_id = None
    if arrangement and count >= 2:
        taken = {b.group.id for b in graph.bodies if b.group}
        group_id = next(f"{arrangement}_{k}" for k in range(1, len(taken) + 2) if f"{arrangement}_{k}" not in taken)
    ids: list[str] = []
    number = 0
    for index in range(count):
        number += 1
        while f"{noun}_{number}" in graph.nx:
            number += 1
        group = Group(id=group_id, kind=arrangement, index=index) if group_id else None
        body = make_body(f"{noun}_{number}", noun, colour_name, material_name, size, mass_factor, static, group, mass)
        graph.add_body(body)
        if arrangement == "tower" and ids:
            graph.add_relation(Relation(subject=body.id, relation="on", object=ids[-1]))
        ids.append(body.id)
    return ids
