"""Collision geometry of a body, in the body's frame, for PyBullet.

The body frame sits at the centre of the body's extents (the point scene graphs and rollouts give positions
of). Cones and meshes become triangle meshes centred there and scaled per axis so their bounding box
matches `body.size`. A static mesh collides as its exact triangles; a dynamic one as the convex parts of
PyBullet's V-HACD decomposition (its convex hull would fill a bowl's hollow), computed once per mesh file
and cached, since V-HACD takes seconds; the lexicon's compounds bring their exact convex parts (scenes.proxies).
Convex hulls carry PyBullet's 1 mm collision margin.
"""

import contextlib
import hashlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from sim.bullet import p
import trimesh

from scenes.bodies import convex_parts_file, read_mesh, resolve_mesh
from scenes.schema import Body
from sim.errors import SimError
from fileio import write_atomically

PLANE_THICKNESS = 0.001  # m: a plane-shaped body is a thin box whose top face is the plane
CONE_SECTIONS = 32
# Coarser than PyBullet's defaults (1e6 voxels, concavity 0.001): the packaged bowl decomposes in ~3 s
# instead of ~15 s, into 28 parts that keep its hollow open.
VHACD_SETTINGS = {"resolution": 20_000, "concavity": 0.01, "planeDownsampling": 16, "convexhullDownsampling": 16}


def body_mesh(body: Body) -> trimesh.Trimesh:
    """A cone or mesh body's triangles in its frame: bounding box centred on the origin, extents `body.size`."""
    if body.shape == "cone":  # apex up, like trimesh's, at +z / 2
        mesh = trimesh.creation.cone(radius=0.5, height=1.0, sections=CONE_SECTIONS)
    elif body.shape == "mesh":
        mesh = read_mesh(resolve_mesh(body.mesh))
    else:
        raise ValueError(f"body_mesh is for cones and meshes, not {body.shape}")
    return trimesh.Trimesh(_fit(mesh.vertices, mesh.bounds, body.size), mesh.faces, process=False)


def collision_shape(body: Body, client: int) -> int:
    """A PyBullet collision shape for `body` in world `client` (capsules and cylinders along local z)."""
    x, y, z = body.size
    if body.shape == "sphere":
        return p.createCollisionShape(p.GEOM_SPHERE, radius=x / 2, physicsClientId=client)
    if body.shape == "box":
        return p.createCollisionShape(p.GEOM_BOX, halfExtents=[x / 2, y / 2, z / 2], physicsClientId=client)
    if body.shape == "plane":
        return p.createCollisionShape(p.GEOM_BOX, halfExtents=[x / 2, y / 2, PLANE_THICKNESS / 2],
                                      collisionFramePosition=[0.0, 0.0, -PLANE_THICKNESS / 2], physicsClientId=client)
    if body.shape == "cylinder":
        return p.createCollisionShape(p.GEOM_CYLINDER, radius=x / 2, height=z, physicsClientId=client)
    if body.shape == "capsule":  # PyBullet's height is between the caps' centres
        return p.createCollisionShape(p.GEOM_CAPSULE, radius=x / 2, height=max(z - x, 0.0), physicsClientId=client)
    if body.shape == "cone" or (body.shape == "mesh" and body.static):
        mesh = body_mesh(body)
        concave = {"indices": mesh.faces.reshape(-1).tolist(), "flags": p.GEOM_FORCE_CONCAVE_TRIMESH} \
            if body.shape == "mesh" else {}  # vertices alone make a convex hull
        return p.createCollisionShape(p.GEOM_MESH, vertices=mesh.vertices.tolist(), **concave, physicsClientId=client)
    parts = convex_parts_file(body.mesh) or convex_parts(read_mesh(resolve_mesh(body.mesh)))
    bounds = read_mesh(parts).bounds  # V-HACD's parts bulge ~0.5 % past the mesh: fit theirs to the body's size
    scale = _scale(bounds, body.size)
    offset = -bounds.mean(axis=0) * scale  # [3] moves the parts' box centre to the body's origin
    return p.createCollisionShape(p.GEOM_MESH, fileName=str(parts), meshScale=scale.tolist(),
                                  collisionFramePosition=offset.tolist(), physicsClientId=client)


def convex_parts(mesh: trimesh.Trimesh) -> Path:
    """An OBJ file of V-HACD's convex parts of a mesh, one `o` object each, in the mesh's coordinates.

    Cached by the mesh's triangles; PyBullet makes a compound of one convex hull per object of such a file.
    """
    triangles = mesh.vertices.tobytes() + mesh.faces.tobytes()
    key = hashlib.sha256(triangles + repr(sorted(VHACD_SETTINGS.items())).encode()).hexdigest()[:32]
    cached = _cache_dir() / f"{key}.obj"
    if not cached.is_file():
        with tempfile.TemporaryDirectory() as folder:
            source = Path(folder) / "mesh.obj"
            mesh.export(source)

            def decompose(parts: Path) -> None:
                with _quiet_stdout():  # V-HACD prints hundreds of progress lines from C
                    p.vhacd(str(source), str(parts), str(Path(folder) / "vhacd.log"), **VHACD_SETTINGS)
                if parts.stat().st_size == 0:
                    raise SimError("V-HACD found no convex parts in the mesh; check the mesh or make the body static")

            write_atomically(cached, decompose)
    return cached


def _scale(bounds: np.ndarray, size) -> np.ndarray:
    """[3] per-axis factors taking the box `bounds` ([2, 3]) to extents `size` (1 along flat axes)."""
    extents = bounds[1] - bounds[0]
    return np.divide(size, extents, out=np.ones(3), where=extents > 0)


def _fit(vertices: np.ndarray, bounds: np.ndarray, size) -> np.ndarray:
    """Move the box `bounds` ([2, 3]) to the origin and scale it to extents `size`."""
    return (np.asarray(vertices, dtype=float) - bounds.mean(axis=0)) * _scale(bounds, size)


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kinema" / "convex_parts"


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Send the process's C-level stdout to /dev/null for the duration."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
