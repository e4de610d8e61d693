"""Building body records from words: a noun, a colour, a material, a size, a mass word.

The parser, the scene-script loader and the sampler all make bodies here, so "a small red rubber ball"
means the same record whichever way it was written.
"""

import difflib
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from fileio import UserFileError, read_bytes, read_text
from scenes.errors import SceneError
from scenes.graph import SceneGraph
from scenes.schema import Body, Colour, Group, Material, Relation
from scenes.lexicon import volume_ratio
from scenes.proxies import PROXY_PREFIX, has_proxy_mesh, proxy_files
from scenes.vocabulary import COLOUR_SYNONYMS, COLOURS, MATERIALS, NOUNS

if TYPE_CHECKING:
    import trimesh

# Hollow meshes (bowls) are a thin shell: their mass is this fraction of the bounding box's volume times
# the density, unless the author gives a mass.
MESH_FILL_FRACTION = 0.15
PACKAGED_MESH_DIR = Path(__file__).parent / "library" / "meshes"
MESH_SUFFIXES = (".obj", ".stl", ".ply")
# The packaged bowl is 20 KB; a mesh file past this is not a scene prop (V-HACD would take minutes on it).
MAX_MESH_BYTES = 64 * 2**20
# trimesh merges vertices on a grid of 1e-8 units held in int64, which overflows for coordinates past ~1e10.
MAX_MESH_COORDINATE = 1e9


def packaged_meshes() -> list[str]:
    """The names `kinema:NAME` can take: the meshes shipped in scenes/library/meshes and the lexicon's proxies."""
    shipped = {f"{PROXY_PREFIX}{path.stem}" for path in PACKAGED_MESH_DIR.glob("*.obj")}
    return sorted(shipped | {f"{PROXY_PREFIX}{noun}" for noun, spec in NOUNS.items() if has_proxy_mesh(spec)})


def noun_mesh(noun: str) -> str | None:
    """The packaged mesh a mesh-shaped noun is drawn and simulated with (`kinema:table`), else None."""
    spec = NOUNS[noun]
    if spec.shape != "mesh":
        return None
    return f"{PROXY_PREFIX}{spec.mesh_file or noun}"


def resolve_mesh(mesh: str) -> Path:
    """The file of a body's mesh: `kinema:NAME` is a packaged mesh (shipped or made from the lexicon), else a path.

    A packaged name is only ever one of those files, so `kinema:../../x` cannot reach a file elsewhere;
    `read_mesh` checks that the file is there and usable.
    """
    if mesh.startswith(PROXY_PREFIX):
        known = packaged_meshes()
        if mesh not in known:
            close = difflib.get_close_matches(mesh, known, n=3)
            raise SceneError(f"unknown packaged mesh {mesh!r}; packaged meshes are kinema:bowl and the lexicon's "
                             f"objects with a mesh ({', '.join(close or known[:4])}, ...)")
        noun = _proxy_noun(mesh)
        if noun:
            return proxy_files(noun, NOUNS[noun])[0]
        return PACKAGED_MESH_DIR / f"{mesh.removeprefix(PROXY_PREFIX)}.obj"
    return Path(mesh)


def convex_parts_file(mesh: str) -> Path | None:
    """The OBJ of a packaged proxy's exact convex parts (a compound's primitives), or None: decompose the mesh."""
    noun = _proxy_noun(mesh)
    return proxy_files(noun, NOUNS[noun])[1] if noun else None


def _proxy_noun(mesh: str) -> str | None:
    """The lexicon noun whose made mesh `mesh` names (`kinema:table`), or None (a shipped file, or a path)."""
    name = mesh.removeprefix(PROXY_PREFIX)
    return name if mesh.startswith(PROXY_PREFIX) and name in NOUNS and has_proxy_mesh(NOUNS[name]) else None


def read_mesh(path: Path) -> "trimesh.Trimesh":
    """The triangles of a mesh file, read bounded (a device or FIFO is refused) and checked usable as a body.

    trimesh is handed text or bytes, never the path: given a file it guesses the encoding of non-UTF-8 text
    with a module kinema does not install, and fails with "No module named 'charset_normalizer'".
    """
    import trimesh  # here: it takes half a second to import, and prompts never read a mesh

    kind = Path(path).suffix.lower()[1:]
    if f".{kind}" not in MESH_SUFFIXES:
        raise SceneError(f"the mesh {str(path)!r} is not in a known format ({', '.join(MESH_SUFFIXES)})")
    try:
        if kind == "obj":
            source = io.StringIO(read_text(path, MAX_MESH_BYTES, "mesh file"))
        else:
            source = io.BytesIO(read_bytes(path, MAX_MESH_BYTES, "mesh file"))
    except UserFileError as error:
        raise SceneError(str(error)) from None
    if kind == "stl" and not _binary_stl(source.getvalue()) and not _utf8(source.getvalue()):
        raise SceneError(f"{path} is neither a binary STL nor UTF-8 text; export it again as STL")
    try:
        mesh = trimesh.load(source, file_type=kind, force="mesh", process=False)
    except Exception as error:  # trimesh raises many types for a bad file
        raise SceneError(f"cannot read the mesh file {path} as {kind.upper()}: {error}; "
                         "export it again as .obj, .stl or .ply") from None
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise SceneError(f"the mesh file {path} has no triangles; use a mesh with faces ('f' lines in an .obj)")
    _check_vertices(path, mesh.vertices[np.unique(mesh.faces)])  # unused vertices do not count
    mesh.process()  # merge duplicate vertices, as trimesh does when it opens a file itself
    return mesh


def _check_vertices(path: Path, vertices: np.ndarray) -> None:
    """Refuse [V, 3] triangle corners a body cannot be made of: non-finite or huge, or spanning a flat box."""
    if not (np.isfinite(vertices).all() and np.abs(vertices).max() <= MAX_MESH_COORDINATE):
        raise SceneError(f"the mesh file {path} has vertex coordinates that are not finite or over "
                         f"{MAX_MESH_COORDINATE:g}; fix or export the mesh again")
    extents = vertices.max(axis=0) - vertices.min(axis=0)
    if not (extents > 0).all():
        flat = ", ".join(axis for axis, extent in zip("xyz", extents) if extent <= 0)
        raise SceneError(f"the mesh file {path} is flat (no extent along {flat}); a mesh is scaled to the "
                         "body's size along x, y and z, so it needs all three")


def _binary_stl(data: bytes) -> bool:
    """Whether `data` has the length a binary STL's triangle count (bytes 80-83) gives it."""
    return len(data) >= 84 and len(data) == 84 + 50 * int.from_bytes(data[80:84], "little")


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def colour(name: str) -> Colour:
    canonical = COLOUR_SYNONYMS.get(name, name)
    if canonical not in COLOURS:
        raise SceneError(f"unknown colour {name!r}; known colours: {', '.join(COLOURS)}")
    return Colour(name=canonical, rgb=COLOURS[canonical])


def material(name: str) -> Material:
    if name not in MATERIALS:
        raise SceneError(f"unknown material {name!r}; known materials: {', '.join(MATERIALS)}")
    spec = MATERIALS[name]
    return Material(name=name, density=spec.density, friction=spec.friction, restitution=spec.restitution,
                    break_speed=spec.break_speed)


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


def noun_mass(noun: str, shape: str, size: tuple[float, float, float], density: float, factor: float = 1.0) -> float:
    """The mass a body of this noun has unless told: the lexicon's real-world mass, scaled to the body's
    volume and density, or density x volume for nouns without one (or bodies given another shape)."""
    spec = NOUNS.get(noun)
    if spec is None or spec.mass is None or shape != spec.shape:
        return mass_of(shape, size, density, factor)
    return spec.mass * volume_ratio(size, spec.size) * density / MATERIALS[spec.material].density * factor


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
        mesh=noun_mesh(noun),
        colour=colour(colour_name),
        material=chosen_material,
        mass=mass if mass is not None else noun_mass(noun, spec.shape, size, chosen_material.density, mass_factor),
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
