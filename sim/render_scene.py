"""`RenderScene`: the pyrender scene of a graph, built once per render; only poses and intrinsics change per frame.

Light intensities are pyrender's: a directional light's is the irradiance on a surface facing it (a white
surface shows intensity / pi of full brightness), a point light's falls off as intensity / distance^2.
A graph without lights gets one default sun (`scenes.schema.DEFAULT_LIGHT`). Directional lights cast shadows
(shadow maps over the region the bodies move in). Every surface is textured from the scene's seed
(`sim.textures`); walls of a backdrop stand beyond every body's reach over the whole rollout, as seen from the
first frame's camera, and beyond the camera's whole path. The sky is not part of the scene: the renderer paints it behind (`Sky`).
"""

import zlib

import numpy as np
import trimesh
from OpenGL.GL import GL_CLAMP_TO_BORDER

from scenes.geometry import look_at
from scenes.graph import SceneGraph
from scenes.schema import DEFAULT_LIGHT, Backdrop, Body, Ground, Light
from scenes.seeding import scene_rng
from sim.appearance import (
    AMBIENT, BODY_TEXTURE_PERIOD, TEXTURE_PERIOD, WALL_TEXTURE_PERIOD, PatternTexture, textured_material,
)
from sim.camera import CameraTrack
from sim.errors import SimError
from sim.fracture import Fracture, MassProperties, fracture
from sim.gl import pyrender
from sim.meshes import body_mesh, textured_surface
from sim.rollout import Rollout
from sim.textures import body_pattern, floor_pattern, wall_pattern

GROUND_EXTENT = 40.0  # metres: side of the square ground drawn around the camera's first look_at
WALL_HEIGHT = 12.0  # metres: walls fill the view above the floor from any framing kinema makes
WALL_HALF_WIDTH = GROUND_EXTENT / 2
WALL_MIN_DISTANCE = 3.0  # metres from the first look_at, at least
WALL_CLEARANCE = 1.0  # metres between the walls and the farthest any body gets
SHADOW_MARGIN = 2.0  # metres of floor around the bodies' reach that shadow maps cover (shadows fall beside)
SHADOW_DEPTH = 16.0  # metres from the shadow camera to the scene's centre; it sees twice as deep (12 m walls fit)


class RenderScene:
    """Ground, walls, lights, one node per body (graph order), one per piece of each breakable body (the
    rollout's order) and an intrinsics camera, posed frame by frame.

    A breakable body shows whole until the frame it breaks at, then its pieces. The segmentation pass draws
    motion ids, one per thing that moves rigidly: k for body k, N + 1 + j for piece j, which stands in for its
    body at every frame (glued, it covers exactly the body's surface), so flow follows each piece across the
    break; `motion_to_body` maps motion ids to the segmentation ids of the body they belong to.
    """

    def __init__(self, graph: SceneGraph, track: CameraTrack, rollout: Rollout):
        """Walls and shadows cover where the bodies and pieces of `rollout` go."""
        centre = np.asarray(graph.camera.look_at, dtype=float)
        forward, right = _horizontal_axes(track)
        fractures = _fractures(graph, rollout)
        pieces = [piece for k in sorted(fractures) for piece in fractures[k].pieces]
        radius = np.array([np.linalg.norm(body.size) / 2 for body in graph.bodies] +
                          [np.linalg.norm(piece.mesh.extents) / 2 for piece in pieces])  # [N + P]
        positions = np.concatenate([rollout.positions, rollout.piece_positions], axis=1)  # [T + 1, N + P, 3]
        reach = _reach(positions, radius, centre)  # [N + P, 4]
        eyes = track.world_from_camera[:, None, :3, 3]  # [T + 2, 1, 3]: walls stand beyond the camera's path too
        beyond = np.concatenate([reach, _reach(eyes, np.array([track.z_near + WALL_CLEARANCE]), centre)])
        self.scene = _ShadowScene(centre=(*centre[:2], 0.0), depth=SHADOW_DEPTH,
                                  bg_color=(0.0, 0.0, 0.0, 0.0), ambient_light=(AMBIENT,) * 3)
        seed = graph.settings.seed
        ground = self.scene.add(_ground_mesh(graph.ground, centre[:2], scene_rng(seed, "texture", 0)))
        self.scene.receivers_only = [ground.mesh]  # nothing lies under the floor: it casts no shadow
        scenery = [ground] + [self.scene.add(mesh) for mesh in _wall_meshes(graph.backdrop, centre, forward, right,
                                                                              beyond, scene_rng(seed, "texture", 1))]
        patterns = _BodyPatterns(seed)
        self.body_nodes, self.piece_nodes = [], []
        for k, body in enumerate(graph.bodies):
            material = _body_material(body, patterns)
            shift = scene_rng(seed, "body_texture", k).random(2)  # [2] texture offset, shared with its pieces
            self.body_nodes.append(self.scene.add(_textured_mesh(body_mesh(body), material, shift)))
            self.piece_nodes += [self.scene.add(_textured_mesh(piece.mesh.smooth_shaded, material, shift, piece.mass))
                                 for piece in (fractures[k + 1].pieces if k + 1 in fractures else ())]
        self.broken_from = {k: rollout.broken_from(k) for k in fractures}  # body k -> first frame in pieces
        self.piece_parent = rollout.piece_parent
        extent = SHADOW_MARGIN + max(float(np.abs(reach).max(initial=0.0)), WALL_MIN_DISTANCE)
        for light in graph.lights or [DEFAULT_LIGHT]:
            self.scene.add(_light(light, extent), pose=_light_pose(light))
        k = track.intrinsics[1]
        self.camera = pyrender.IntrinsicsCamera(k[0, 0], k[1, 1], k[0, 2], k[1, 2], znear=track.z_near,
                                                zfar=track.z_far)
        self.camera_node = self.scene.add(self.camera)
        # Segmentation pass: the ground and walls draw id 0 (they must still be drawn, to hide what is behind
        # them and to give the depth of their pixels); body k draws k, each piece its motion id, and a
        # breakable body itself is left out (its pieces draw it).
        count = len(self.body_nodes)
        self.seg_node_map = {node: id_colour(0) for node in scenery} | \
            {node: id_colour(k) for k, node in enumerate(self.body_nodes, 1) if k not in fractures} | \
            {node: id_colour(count + 1 + j) for j, node in enumerate(self.piece_nodes)}
        self.motion_to_body = np.concatenate([np.arange(count + 1), self.piece_parent]).astype(np.int32)  # [N+P+1]

    def pose(self, body_poses: np.ndarray, world_from_camera: np.ndarray, k: np.ndarray) -> None:
        """Place the bodies and pieces ([N + P, 4, 4] world_from_body, then world_from_piece) and the camera
        (4x4 pose, 3x3 K) for one frame."""
        for node, pose in zip(self.body_nodes + self.piece_nodes, body_poses):
            self.scene.set_pose(node, pose)
        self.scene.set_pose(self.camera_node, world_from_camera)
        self.camera.fx, self.camera.fy, self.camera.cx, self.camera.cy = k[0, 0], k[1, 1], k[0, 2], k[1, 2]


    def show(self, frame: int | None) -> None:
        """Colour pass of `frame`: each breakable body whole before it breaks, its pieces after; `None`, the
        segmentation pass: every piece (the bodies they make up are not in it)."""
        for k, first in self.broken_from.items():
            broken = frame is None or (first is not None and frame >= first)
            self.body_nodes[k - 1].mesh.is_visible = not broken
            for node, parent in zip(self.piece_nodes, self.piece_parent):
                if parent == k:
                    node.mesh.is_visible = broken


def _fractures(graph: SceneGraph, rollout: Rollout) -> dict[int, Fracture]:
    """Body k (1..N) -> its fracture, for the breakable bodies; checked against the rollout's pieces."""
    fractures = {k: fracture(body, graph.settings.seed, k) for k, body in enumerate(graph.bodies, 1)
                 if body.breakable is not None}
    expected = [k for k in sorted(fractures) for _ in fractures[k].pieces]
    if rollout.piece_parent.tolist() != expected:
        raise SimError("the rollout's pieces do not match the graph's breakable bodies; simulate this graph again")
    return fractures


class _ShadowScene(pyrender.Scene):
    """A pyrender scene whose shadow cameras aim at `centre` from `depth` metres away, and whose meshes and
    lights are drawn in the order they were added.

    pyrender places a directional light's shadow camera from the scene's bounding box, which the 40 m floor
    and the walls would make so large that the shadow map's texels grow to centimetres. It keeps nodes in sets,
    whose order follows memory addresses: where two surfaces tie in depth (a wall's foot on the floor) the one
    drawn first shows, and lights are summed in that order, so the same scene could give other pixels on
    another call. Insertion order makes them the same on every call.
    """

    def __init__(self, centre, depth: float, **kwargs):
        self._added: dict = {}  # node -> the order it was added in (add_node runs inside pyrender's __init__)
        self.receivers_only: list = []  # meshes left out of the shadow maps (see sim.renderer._Renderer)
        super().__init__(**kwargs)
        self._shadow_centre, self._shadow_depth = np.asarray(centre, dtype=float), depth

    def add_node(self, node, parent_node=None) -> None:
        self._added.setdefault(node, len(self._added))
        super().add_node(node, parent_node)

    @property
    def mesh_nodes(self) -> list:
        return sorted(super().mesh_nodes, key=self._added.__getitem__)

    @property
    def light_nodes(self) -> list:
        return sorted(super().light_nodes, key=self._added.__getitem__)

    @property
    def centroid(self) -> np.ndarray:
        return self._shadow_centre

    @property
    def scale(self) -> float:
        return self._shadow_depth


class _SunLight(pyrender.DirectionalLight):
    """A directional light whose shadow map covers `extent` metres around the scene's centre."""

    def __init__(self, extent: float, **kwargs):
        super().__init__(**kwargs)
        self.extent = extent

    def _generate_shadow_texture(self, size: int | None = None) -> None:
        super()._generate_shadow_texture(size)
        # Beyond the map is lit: the map's border reads as the far plane (pyrender's default wrap repeats it).
        self.shadow_texture.sampler = pyrender.Sampler(wrapS=GL_CLAMP_TO_BORDER, wrapT=GL_CLAMP_TO_BORDER)

    def _get_shadow_camera(self, scene_scale: float) -> pyrender.OrthographicCamera:
        return pyrender.OrthographicCamera(xmag=self.extent, ymag=self.extent, znear=0.05, zfar=2 * scene_scale)


def id_colour(index: int) -> np.ndarray:
    """[3] uint8 colour that encodes a segmentation id (little-endian base 256), decoded by `decode_ids`."""
    return np.array([index & 255, (index >> 8) & 255, (index >> 16) & 255], dtype=np.uint8)


def decode_ids(image: np.ndarray) -> np.ndarray:
    """[H, W] int32 ids of a [H, W, 3] uint8 segmentation image drawn with `id_colour`."""
    channels = image.astype(np.int32)
    return channels[..., 0] | channels[..., 1] << 8 | channels[..., 2] << 16


def _horizontal_axes(track: CameraTrack) -> tuple[np.ndarray, np.ndarray]:
    """Unit forward and right [3] of the first frame's camera, level with the ground (walls stand square to it)."""
    pose = track.world_from_camera[1]
    forward = -pose[:3, 2] * np.array([1.0, 1.0, 0.0])
    if np.linalg.norm(forward) < 1e-6:  # looking straight down: the camera's up is the way ahead
        forward = pose[:3, 1] * np.array([1.0, 1.0, 0.0])
    forward /= np.linalg.norm(forward)
    return forward, np.cross(forward, [0.0, 0.0, 1.0])


def _reach(positions: np.ndarray, radius: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """[N, 4] how far each of N things at `positions` [T, N, 3] gets from `centre` along +x, -x, +y, -y over the
    clip, plus its `radius` [N]."""
    offset = positions[..., :2] - centre[:2]  # [T, N, 2]
    return np.stack([offset[..., 0].max(0), -offset[..., 0].min(0), offset[..., 1].max(0),
                     -offset[..., 1].min(0)], axis=1) + radius[:, None]


class _BodyPatterns:
    """One pattern texture per material in a scene, drawn from the seed when a body first needs it (bodies of one
    material share it, each showing its own part of it: `_body_mesh`)."""

    def __init__(self, seed: int):
        self.seed, self.made = seed, {}

    def __getitem__(self, material_name: str) -> PatternTexture:
        if material_name not in self.made:
            rng = scene_rng(self.seed, "material_texture", zlib.crc32(material_name.encode()))
            self.made[material_name] = PatternTexture.of(body_pattern(material_name, rng))
        return self.made[material_name]


def _body_material(body: Body, patterns: _BodyPatterns):
    # Open meshes (a bowl) show their inside, so mesh bodies are drawn double-sided.
    return textured_material(body.material.name, body.colour.rgb, patterns[body.material.name],
                             double_sided=body.shape == "mesh")


def _textured_mesh(mesh: trimesh.Trimesh, material, shift: np.ndarray,
                   piece: MassProperties | None = None) -> pyrender.Mesh:
    """`mesh` (in its body's frame) textured by planar projection in that frame, `shift` [2] moving the texture so
    alike bodies do not look stamped from one mould; for a `piece`, the surface is moved into its principal frame
    (the node's), so a piece shows its part of its body's texture."""
    positions, normals, uv = textured_surface(mesh, BODY_TEXTURE_PERIOD)
    if piece is not None:
        positions, normals = piece.local(positions), normals @ piece.axes
    return pyrender.Mesh([pyrender.Primitive(positions=positions, normals=normals, texcoord_0=uv + shift,
                                             material=material)])


def _quad(corners: np.ndarray, normal, uv: np.ndarray, material) -> pyrender.Mesh:
    """A mesh of the quad `corners` [4, 3] (counter-clockwise seen from its front) with texture coordinates."""
    primitive = pyrender.Primitive(positions=corners, normals=np.tile(normal, (4, 1)), texcoord_0=uv,
                                   indices=np.array([[0, 1, 2], [0, 2, 3]]), material=material)
    return pyrender.Mesh([primitive])


def _ground_mesh(ground: Ground, centre: np.ndarray, rng: np.random.Generator) -> pyrender.Mesh:
    """A GROUND_EXTENT square at z = 0 around `centre` [2], its texture fixed to world coordinates."""
    corners = centre + GROUND_EXTENT / 2 * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])  # [4, 2]
    material = textured_material(ground.material.name, ground.colour.rgb,
                                 PatternTexture.of(floor_pattern(ground.texture, rng)))
    # Texture rows run along world y and columns along x: v = y, u = x.
    return _quad(np.column_stack([corners, np.zeros(4)]), [0.0, 0.0, 1.0], corners / TEXTURE_PERIOD, material)


def _wall_meshes(backdrop: Backdrop, centre: np.ndarray, forward: np.ndarray, right: np.ndarray,
                 reach: np.ndarray, rng: np.random.Generator) -> list[pyrender.Mesh]:
    """The back wall (and, for a corner, the side wall) beyond everything in `reach` [M, 4] (`_reach`: the bodies
    and the camera), facing the first camera."""
    if backdrop.kind == "sky":
        return []
    material = textured_material("plastic", backdrop.colour.rgb, PatternTexture.of(wall_pattern(rng)))
    material.roughnessFactor = 0.9  # matte paint
    base = np.array([centre[0], centre[1], 0.0])

    def distance(direction: np.ndarray) -> float:
        """How far past the first look_at along `direction` [3] (horizontal) everything stays."""
        per_axis = reach[:, [0, 1, 2, 3]] * np.maximum([direction[0], -direction[0], direction[1], -direction[1]], 0)
        return max(WALL_MIN_DISTANCE, float(per_axis.sum(axis=1).max(initial=0.0)) + WALL_CLEARANCE)

    back = distance(forward)
    sideways = -right if backdrop.side == "left" else right
    side = distance(sideways) if backdrop.kind == "corner" else WALL_HALF_WIDTH
    up = np.array([0.0, 0.0, WALL_HEIGHT])
    # Back wall: from the side wall (or far to the side) across to far on the other side, facing -forward.
    near_end, far_end = base + forward * back + sideways * side, base + forward * back - sideways * WALL_HALF_WIDTH
    meshes = [_wall(near_end, far_end, up, -forward, material)]
    if backdrop.kind == "corner":
        start, end = base + sideways * side - forward * WALL_HALF_WIDTH, base + sideways * side + forward * back
        meshes.append(_wall(start, end, up, -sideways, material))
    return meshes


def _wall(start: np.ndarray, end: np.ndarray, up: np.ndarray, normal: np.ndarray, material) -> pyrender.Mesh:
    """A vertical wall from `start` to `end` [3] on the floor, `up` high, its front facing `normal`."""
    corners = np.stack([start, end, end + up, start + up])  # [4, 3]
    if np.dot(np.cross(corners[1] - corners[0], corners[2] - corners[0]), normal) < 0:
        corners = corners[[1, 0, 3, 2]]  # counter-clockwise seen from the front
    along = np.linalg.norm(corners[:, :2] - corners[0, :2], axis=1)
    uv = np.column_stack([along, corners[:, 2]]) / WALL_TEXTURE_PERIOD
    return _quad(corners, normal, uv, material)


def _light(light: Light, shadow_extent: float) -> pyrender.Light:
    if light.kind == "directional":
        return _SunLight(shadow_extent, color=light.rgb, intensity=light.intensity)
    return pyrender.PointLight(color=light.rgb, intensity=light.intensity)


def _light_pose(light: Light) -> np.ndarray:
    """4x4 world_from_light: a directional light shines down its node's -z; a point light sits at its position."""
    if light.kind == "directional":
        return look_at(np.zeros(3), np.asarray(light.direction, dtype=float))
    pose = np.eye(4)
    pose[:3, 3] = light.position
    return pose
