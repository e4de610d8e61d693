"""Meshes of the lexicon's compound and revolved objects (a table, a bowling pin), made with trimesh.

A compound is the union of its primitives; a solid of revolution turns its profile about z (a hollow one is a
shell with a floor). Each is written once per machine as an OBJ under the user's cache, named by a hash of
its recipe, beside the OBJ of its convex parts (one `o` object each): a compound's own primitives, or a solid
revolution's hull, so PyBullet needs no V-HACD for them. A hollow shell has no parts file; V-HACD decomposes it.
"""

import hashlib
import os
from pathlib import Path

import numpy as np
import trimesh

from fileio import write_atomically
from scenes.lexicon import NounSpec, Part

PROXY_PREFIX = "kinema:"
ROUND_SECTIONS = 32  # segments around cylinders and solids of revolution
SPHERE_SUBDIVISIONS = 2


def has_proxy_mesh(spec: NounSpec) -> bool:
    return bool(spec.parts or spec.profile)


def _part_mesh(part: Part) -> trimesh.Trimesh:
    sx, sy, sz = part.size
    if part.kind == "box":
        mesh = trimesh.creation.box(extents=(sx, sy, sz))
    elif part.kind == "sphere":
        mesh = trimesh.creation.icosphere(subdivisions=SPHERE_SUBDIVISIONS, radius=0.5)
        mesh.apply_scale((sx, sy, sz))
    else:  # a cylinder along z, x or y: made along z at unit size, turned, then scaled to its extents
        mesh = trimesh.creation.cylinder(radius=0.5, height=1.0, sections=ROUND_SECTIONS)
        if part.kind == "cylinder_x":
            mesh.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, (0, 1, 0)))
        elif part.kind == "cylinder_y":
            mesh.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, (1, 0, 0)))
        mesh.apply_scale((sx, sy, sz))
    mesh.apply_translation(part.centre)
    return mesh


def _outline(spec: NounSpec) -> np.ndarray:
    """[K, 2] closed (radius, height) outline revolved into the solid: the axis, the profile, and a hollow's wall."""
    profile = np.asarray(spec.profile, dtype=float)
    outline = [(0.0, profile[0, 1]), *map(tuple, profile)]
    if spec.hollow:
        wall = spec.hollow
        inner = [(max(r - wall, 0.0), max(z, profile[0, 1] + wall)) for r, z in profile[::-1]]
        outline += inner[:1] if inner[0][0] == 0.0 else inner
        outline.append((0.0, profile[0, 1] + wall))
    elif outline[-1][0] > 0:
        outline.append((0.0, profile[-1, 1]))
    # drop repeated points (a profile that starts or ends on the axis)
    points = [p for k, p in enumerate(outline) if k == 0 or p != outline[k - 1]]
    return np.asarray(points)


def _revolved(spec: NounSpec) -> trimesh.Trimesh:
    return trimesh.creation.revolve(_outline(spec), sections=ROUND_SECTIONS)


def proxy_meshes(spec: NounSpec) -> tuple[trimesh.Trimesh, list[trimesh.Trimesh] | None]:
    """The object's surface and its convex parts (None: a hollow shell, for V-HACD)."""
    if spec.parts:
        parts = [_part_mesh(part) for part in spec.parts]
        return trimesh.util.concatenate(parts), parts
    mesh = _revolved(spec)
    return mesh, None if spec.hollow else [mesh.convex_hull]


def _recipe_key(spec: NounSpec) -> str:
    recipe = repr((spec.parts, spec.profile, spec.hollow, ROUND_SECTIONS, SPHERE_SUBDIVISIONS)).encode()
    return hashlib.sha256(recipe).hexdigest()[:16]


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kinema" / "proxies"


def proxy_files(noun: str, spec: NounSpec) -> tuple[Path, Path | None]:
    """The cached OBJ of the object's surface and of its convex parts (None for a hollow shell), made if missing."""
    stem = _cache_dir() / f"{noun}-{_recipe_key(spec)}"
    surface, parts_file = stem.with_suffix(".obj"), Path(f"{stem}.parts.obj")
    needs_parts = not spec.hollow
    if not surface.is_file() or (needs_parts and not parts_file.is_file()):
        mesh, parts = proxy_meshes(spec)
        write_atomically(surface, lambda path: mesh.export(path, file_type="obj"))
        if parts is not None:
            write_atomically(parts_file, lambda path: write_parts(parts, path))
    return surface, parts_file if needs_parts else None


def write_parts(parts: list[trimesh.Trimesh], path: Path) -> None:
    """One `o` object per convex part, the layout PyBullet reads as a compound of hulls."""
    lines, offset = [], 1
    for k, part in enumerate(parts):
        lines.append(f"o part_{k}")
        lines += [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in part.vertices]
        lines += [f"f {a + offset} {b + offset} {c + offset}" for a, b, c in part.faces]
        offset += len(part.vertices)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
