"""Pre-fractured pieces of a breakable body: seeded Voronoi cells of its volume, clipped exactly by manifold3d.

The sites are points drawn on the body's surface from the scene's seed, so every piece shows some of the
outside. Each cell (the points nearer its site than any other) is cut from the solid with manifold3d's exact
booleans; a cell that cuts a hollow or a handle into separate chunks gives one piece per chunk, and chunks
smaller than MIN_PIECE_FRACTION of the volume join their nearest piece (slivers are unstable in the solver).

Masses follow volume at one density (`body.mass / volume`), so the pieces' masses sum to the body's. Mass
properties are exact polyhedral integrals of the triangles (trimesh), and the whole body's are the
combination of its pieces', so the rigid body PyBullet simulates before the break has the very mass
distribution its pieces share after it: momentum carries over to rounding.

A fracture is cached per machine (`~/.cache/kinema/fractures`), keyed by the triangles, the piece count and
the seed, as an npz of the pieces' triangles plus the OBJ of their hulls that PyBullet reads as a compound.
"""

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import manifold3d
import numpy as np
import trimesh

from fileio import write_atomically
from scenes.proxies import write_parts
from scenes.schema import Body
from scenes.seeding import scene_rng
from sim.errors import SimError
from sim.meshes import solid_mesh

MIN_PIECE_FRACTION = 0.01  # of the body's volume: smaller chunks join their nearest piece
FRACTURE_VERSION = 1  # bump when the recipe changes, so stale caches are not read


@dataclass(frozen=True, eq=False)
class MassProperties:
    """Mass, centre of mass and principal inertia of a solid, in the frame its triangles are given in."""

    mass: float  # kg
    centre: np.ndarray  # [3] m
    axes: np.ndarray  # [3, 3] principal axes as columns (a rotation, det +1)
    moments: np.ndarray  # [3] kg m^2 about the centre, along `axes`

    @property
    def frame(self) -> np.ndarray:
        """[4, 4] the principal frame (origin at the centre of mass) in the solid's frame."""
        frame = np.eye(4)
        frame[:3, :3], frame[:3, 3] = self.axes, self.centre
        return frame

    def local(self, points: np.ndarray) -> np.ndarray:
        """[K, 3] `points` [K, 3] of the solid's frame in its principal frame."""
        return (points - self.centre) @ self.axes

    def inertia(self) -> np.ndarray:
        """[3, 3] inertia tensor about the centre, in the solid's frame."""
        return self.axes @ np.diag(self.moments) @ self.axes.T


@dataclass(frozen=True, eq=False)
class Piece:
    mesh: trimesh.Trimesh  # the piece's triangles in its parent body's frame
    mass: MassProperties  # in the parent body's frame
    volume: float  # m^3


@dataclass(frozen=True, eq=False)
class Fracture:
    """The pieces of one breakable body, and the mass properties of the whole (their combination)."""

    pieces: tuple[Piece, ...]
    whole: MassProperties  # in the body's frame
    parts_file: Path  # OBJ, one `o` object per piece in the body's frame: the intact body's collision compound


def fracture(body: Body, scene_seed: int, index: int) -> Fracture:
    """The pieces of breakable `body`, the `index`-th body (1..N) of a scene of seed `scene_seed`."""
    if body.breakable is None:
        raise ValueError(f"{body.id} is not breakable")
    mesh = solid_mesh(body)
    triangles = np.ascontiguousarray(mesh.vertices, dtype=np.float64).tobytes() + \
        np.ascontiguousarray(mesh.faces, dtype=np.int64).tobytes()
    seed = int(scene_rng(scene_seed, "fracture", index).integers(2**63))
    recipe = repr((FRACTURE_VERSION, body.breakable.pieces, seed, MIN_PIECE_FRACTION)).encode()
    key = hashlib.sha256(triangles + recipe).hexdigest()[:32]
    return _load(key, body, mesh, seed)


@lru_cache(maxsize=64)
def _cached(key: str, mass: float) -> Fracture:
    arrays_file, parts_file = _files(key)
    with np.load(arrays_file, allow_pickle=False) as data:
        vertices, faces, vertex_counts, face_counts = (data[name] for name in
                                                       ("vertices", "faces", "vertex_counts", "face_counts"))
    meshes = [trimesh.Trimesh(v, f, process=False) for v, f in
              zip(np.split(vertices, np.cumsum(vertex_counts)[:-1]), np.split(faces, np.cumsum(face_counts)[:-1]))]
    volumes = np.array([piece.volume for piece in meshes])  # [P]
    density = mass / volumes.sum()
    pieces = tuple(Piece(mesh=m, mass=mass_properties(m, density), volume=float(v)) for m, v in zip(meshes, volumes))
    return Fracture(pieces=pieces, whole=combined([piece.mass for piece in pieces]), parts_file=parts_file)


def _load(key: str, body: Body, mesh: trimesh.Trimesh, seed: int) -> Fracture:
    arrays_file, parts_file = _files(key)
    if not (arrays_file.is_file() and parts_file.is_file()):
        meshes = cut(mesh, body.breakable.pieces, np.random.default_rng(seed))

        def write_arrays(path: Path) -> None:
            with open(path, "wb") as handle:
                np.savez(handle, vertices=np.concatenate([m.vertices for m in meshes]),
                         faces=np.concatenate([m.faces for m in meshes]),
                         vertex_counts=np.array([len(m.vertices) for m in meshes]),
                         face_counts=np.array([len(m.faces) for m in meshes]))

        write_atomically(parts_file, lambda path: write_parts([m.convex_hull for m in meshes], path))
        write_atomically(arrays_file, write_arrays)
    return _cached(key, float(body.mass))


def cut(mesh: trimesh.Trimesh, count: int, rng: np.random.Generator) -> list[trimesh.Trimesh]:
    """The Voronoi pieces of the solid bounded by `mesh`, cells around `count` sites drawn on its surface."""
    solid = _manifold(mesh)
    sites = _surface_points(mesh, count, rng)  # [S, 3]
    low, high = mesh.bounds[0] - 1.0, mesh.bounds[1] + 1.0
    chunks = []
    for i, site in enumerate(sites):
        cell = manifold3d.Manifold.cube(high - low).translate(low)
        for j, other in enumerate(sites):
            normal = site - other
            length = np.linalg.norm(normal)
            if j != i and length > 0:
                normal = normal / length
                cell = cell.trim_by_plane(normal.tolist(), float(normal @ (site + other) / 2))
        chunks += [chunk for chunk in (solid ^ cell).decompose() if not chunk.is_empty()]
    if not chunks:
        raise SimError("the body's mesh encloses no volume to break into pieces; give it a closed mesh")
    return [_trimesh(chunk) for chunk in _merge_slivers(chunks, solid.volume())]


def _merge_slivers(chunks: list, volume: float) -> list:
    """Join each chunk under MIN_PIECE_FRACTION of `volume` to the piece whose centroid is nearest, smallest first."""
    chunks = sorted(chunks, key=lambda chunk: -chunk.volume())
    while len(chunks) > 1 and chunks[-1].volume() < MIN_PIECE_FRACTION * volume:
        small = chunks.pop()
        centre = _centroid(small)
        nearest = min(range(len(chunks)), key=lambda k: np.linalg.norm(_centroid(chunks[k]) - centre))
        chunks[nearest] = chunks[nearest] + small
        chunks.sort(key=lambda chunk: -chunk.volume())
    return chunks


def _centroid(solid) -> np.ndarray:
    return _trimesh(solid).center_mass


def _manifold(mesh: trimesh.Trimesh):
    """The solid `mesh` bounds: one closed surface, or the union of its closed parts (a compound's primitives)."""
    parts = [mesh] if mesh.is_watertight else [part for part in mesh.split(only_watertight=False)
                                               if part.is_watertight]
    solids = []
    for part in parts:
        if part.volume < 0:
            part = part.copy()
            part.invert()
        solids.append(manifold3d.Manifold(manifold3d.Mesh64(
            vert_properties=np.ascontiguousarray(part.vertices, dtype=np.float64),
            tri_verts=np.ascontiguousarray(part.faces, dtype=np.uint64))))
    solid = manifold3d.Manifold.batch_boolean(solids, manifold3d.OpType.Add) if solids else manifold3d.Manifold()
    if solid.is_empty() or solid.volume() <= 0:
        raise SimError("the body's mesh is not a closed surface, so it has no volume to break into pieces; "
                       "give it a watertight mesh or make it unbreakable")
    return solid


def _trimesh(solid) -> trimesh.Trimesh:
    mesh = solid.to_mesh64()
    return trimesh.Trimesh(np.asarray(mesh.vert_properties)[:, :3], np.asarray(mesh.tri_verts, dtype=np.int64),
                           process=False)


def _surface_points(mesh: trimesh.Trimesh, count: int, rng: np.random.Generator) -> np.ndarray:
    """[count, 3] points uniform over the surface by area, drawn from `rng`."""
    areas = mesh.area_faces  # [F]
    faces = rng.choice(len(areas), size=count, p=areas / areas.sum())  # [count]
    a, b = rng.random((2, count, 1))
    flip = (a + b) > 1  # fold the unit square onto the triangle
    a, b = np.where(flip, 1 - a, a), np.where(flip, 1 - b, b)
    corners = mesh.vertices[mesh.faces[faces]]  # [count, 3, 3]
    return corners[:, 0] + a * (corners[:, 1] - corners[:, 0]) + b * (corners[:, 2] - corners[:, 0])


def mass_properties(mesh: trimesh.Trimesh, density: float) -> MassProperties:
    """Exact mass properties of the solid bounded by closed `mesh` at `density` (kg/m^3)."""
    properties = trimesh.triangles.mass_properties(mesh.triangles, density=density)
    return _principal(float(properties["mass"]), np.asarray(properties["center_mass"]),
                      np.asarray(properties["inertia"]))


def combined(parts: list[MassProperties]) -> MassProperties:
    """The mass properties of rigidly joined parts (parallel-axis theorem), in their common frame."""
    mass = sum(part.mass for part in parts)
    centre = sum(part.mass * part.centre for part in parts) / mass  # [3]
    inertia = np.zeros((3, 3))
    for part in parts:
        offset = part.centre - centre
        inertia += part.inertia() + part.mass * (offset @ offset * np.eye(3) - np.outer(offset, offset))
    return _principal(mass, centre, inertia)


def _principal(mass: float, centre: np.ndarray, inertia: np.ndarray) -> MassProperties:
    moments, axes = np.linalg.eigh((inertia + inertia.T) / 2)
    if np.linalg.det(axes) < 0:
        axes[:, 2] = -axes[:, 2]
    return MassProperties(mass=mass, centre=centre, axes=axes, moments=np.maximum(moments, 1e-12 * mass))


def _files(key: str) -> tuple[Path, Path]:
    """The cached npz of a fracture's pieces and the OBJ of their hulls."""
    return _cache_dir() / f"{key}.npz", _cache_dir() / f"{key}.obj"


def _cache_dir() -> Path:
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kinema" / "fractures"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
