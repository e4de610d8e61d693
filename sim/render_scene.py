"""`RenderScene`: the pyrender scene of a graph, built once per render; only poses and intrinsics change per frame.

Light intensities are pyrender's: a directional light's is the irradiance on a surface facing it (a white
surface shows intensity / pi of full brightness), a point light's falls off as intensity / distance^2.
A graph without lights gets one default sun (`scenes.schema.DEFAULT_LIGHT`).
"""

import numpy as np

from scenes.geometry import look_at
from scenes.graph import SceneGraph
from scenes.schema import DEFAULT_LIGHT, Body, Ground, Light
from sim.appearance import AMBIENT, SKY_RGB, TEXTURE_PERIOD, finish, ground_texture, linear
from sim.camera import CameraTrack
from sim.gl import pyrender
from sim.meshes import body_mesh

GROUND_EXTENT = 40.0  # metres: side of the square ground drawn around the camera's first look_at


class RenderScene:
    """Ground, lights, one node per body (graph order) and an intrinsics camera, posed frame by frame."""

    def __init__(self, graph: SceneGraph, track: CameraTrack):
        self.scene = pyrender.Scene(bg_color=(*SKY_RGB, 1.0), ambient_light=(AMBIENT,) * 3)
        ground = self.scene.add(_ground_mesh(graph.ground, np.asarray(graph.camera.look_at[:2])))
        self.body_nodes = [self.scene.add(_body_mesh(body)) for body in graph.bodies]
        for light in graph.lights or [DEFAULT_LIGHT]:
            self.scene.add(_light(light), pose=_light_pose(light))
        k = track.intrinsics[1]
        self.camera = pyrender.IntrinsicsCamera(k[0, 0], k[1, 1], k[0, 2], k[1, 2], znear=track.z_near,
                                                zfar=track.z_far)
        self.camera_node = self.scene.add(self.camera)
        # Segmentation pass: the ground draws id 0 (it must still be drawn, to hide what is below it and to
        # give the depth of its pixels); body k draws k.
        self.seg_node_map = {ground: id_colour(0)} | {node: id_colour(k) for k, node in enumerate(self.body_nodes, 1)}

    def pose(self, body_poses: np.ndarray, world_from_camera: np.ndarray, k: np.ndarray) -> None:
        """Place the bodies ([N, 4, 4] world_from_body) and the camera (4x4 pose, 3x3 K) for one frame."""
        for node, pose in zip(self.body_nodes, body_poses):
            self.scene.set_pose(node, pose)
        self.scene.set_pose(self.camera_node, world_from_camera)
        self.camera.fx, self.camera.fy, self.camera.cx, self.camera.cy = k[0, 0], k[1, 1], k[0, 2], k[1, 2]


def id_colour(index: int) -> np.ndarray:
    """[3] uint8 colour that encodes a segmentation id (little-endian base 256), decoded by `decode_ids`."""
    return np.array([index & 255, (index >> 8) & 255, (index >> 16) & 255], dtype=np.uint8)


def decode_ids(image: np.ndarray) -> np.ndarray:
    """[H, W] int32 ids of a [H, W, 3] uint8 segmentation image drawn with `id_colour`."""
    channels = image.astype(np.int32)
    return channels[..., 0] | channels[..., 1] << 8 | channels[..., 2] << 16


def _material(material_name: str, rgb=(1.0, 1.0, 1.0), texture: pyrender.Texture | None = None,
              double_sided: bool = False) -> pyrender.MetallicRoughnessMaterial:
    surface = finish(material_name)
    return pyrender.MetallicRoughnessMaterial(
        baseColorFactor=(*linear(rgb), 1.0), baseColorTexture=texture, metallicFactor=surface.metallic,
        roughnessFactor=surface.roughness, doubleSided=double_sided,
    )


def _body_mesh(body: Body) -> pyrender.Mesh:
    # Open meshes (a bowl) show their inside, so mesh bodies are drawn double-sided.
    material = _material(body.material.name, body.colour.rgb, double_sided=body.shape == "mesh")
    return pyrender.Mesh.from_trimesh(body_mesh(body), material=material, smooth=True)


def _ground_mesh(ground: Ground, centre: np.ndarray) -> pyrender.Mesh:
    """A GROUND_EXTENT square at z = 0 around `centre` [2], its texture fixed to world coordinates."""
    corners = centre + GROUND_EXTENT / 2 * np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]])  # [4, 2]
    texture = pyrender.Texture(source=ground_texture(ground.texture, ground.colour.rgb), source_channels="RGB")
    material = _material(ground.material.name, texture=texture)
    primitive = pyrender.Primitive(
        positions=np.column_stack([corners, np.zeros(4)]), normals=np.tile([0.0, 0.0, 1.0], (4, 1)),
        texcoord_0=corners / TEXTURE_PERIOD, indices=np.array([[0, 1, 2], [0, 2, 3]]), material=material,
    )
    return pyrender.Mesh([primitive])


def _light(light: Light) -> pyrender.Light:
    kind = pyrender.DirectionalLight if light.kind == "directional" else pyrender.PointLight
    return kind(color=light.rgb, intensity=light.intensity)


def _light_pose(light: Light) -> np.ndarray:
    """4x4 world_from_light: a directional light shines down its node's -z; a point light sits at its position."""
    if light.kind == "directional":
        return look_at(np.zeros(3), np.asarray(light.direction, dtype=float))
    pose = np.eye(4)
    pose[:3, 3] = light.position
    return pose
