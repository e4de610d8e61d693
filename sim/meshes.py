"""Triangle meshes of bodies in their own frame: the surfaces the renderer draws.

Each mesh is centred on its bounding box, whose extents are the body's `size`, as the physics builds it
(sim/shapes.py): a cylinder's and a capsule's axis is the body's z; cones and mesh files are the very
triangles the physics collides with (apex of a cone at +size_z/2, base at -size_z/2).
"""

import numpy as np
import trimesh

from scenes.schema import Body
from sim.shapes import body_mesh as collision_mesh

# The physics makes a plane a thin slab whose top face is at the body's frame, so a tile on the ground is
# flush with it; drawn that way the two would z-fight, so the drawn slab's top is lifted by this much.
PLANE_LIFT = 0.001  # metres
SPHERE_SUBDIVISIONS = 3  # 642 vertices: smooth silhouettes at 512 px
ROUND_SECTIONS = 48  # segments around cylinders and capsules


def body_mesh(body: Body) -> trimesh.Trimesh:
    """The body's surface in its own frame (metres), with vertices split at sharp edges for smooth shading."""
    return solid_mesh(body).smooth_shaded


def solid_mesh(body: Body) -> trimesh.Trimesh:
    """The body's surface in its own frame (metres), vertices shared between faces: closed where the shape is."""
    x, y, z = body.size
    if body.shape == "sphere":
        mesh = trimesh.creation.icosphere(subdivisions=SPHERE_SUBDIVISIONS, radius=x / 2)
    elif body.shape == "box":
        mesh = trimesh.creation.box(extents=(x, y, z))
    elif body.shape == "plane":
        mesh = trimesh.creation.box(extents=(x, y, 2 * PLANE_LIFT))
    elif body.shape == "cylinder":
        mesh = trimesh.creation.cylinder(radius=0.5, height=1.0, sections=ROUND_SECTIONS)
        mesh.apply_scale((x, y, z))
    elif body.shape == "capsule":
        # Built with its true radius so the end caps stay hemispheres; only an elliptic section is stretched.
        mesh = trimesh.creation.capsule(height=max(z - x, 0.0), radius=x / 2, count=(ROUND_SECTIONS, ROUND_SECTIONS))
        mesh.apply_scale((1.0, y / x, 1.0))
    else:
        mesh = collision_mesh(body)
    return mesh


def textured_surface(mesh: trimesh.Trimesh, period: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions, smooth normals [3F, 3] and texture coordinates [3F, 2] of `mesh`, one vertex per face corner.

    Each face takes the texture from the box side it faces most (planar projection along its normal's
    dominant axis, `period` metres per tile), so boxes show undistorted faces and round bodies no stretch.
    """
    corners = mesh.vertices[mesh.faces]  # [F, 3, 3]
    normals = mesh.vertex_normals[mesh.faces]  # [F, 3, 3]
    axis = np.abs(mesh.face_normals).argmax(axis=1)  # [F]
    planes = np.array([[1, 2], [0, 2], [0, 1]])[axis]  # [F, 2]: the two axes across each face's projection
    uv = np.take_along_axis(corners, planes[:, None, :], axis=2) / period  # [F, 3, 2]
    return corners.reshape(-1, 3), normals.reshape(-1, 3), uv.reshape(-1, 2)
