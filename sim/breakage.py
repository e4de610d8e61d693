"""A breakable body in a PyBullet world: one rigid body until an impact passes its threshold, then its pieces.

The intact body is simulated in its principal frame (origin at its exact centre of mass, `sim.fracture`),
with its exact mass and principal moments, and collides as the compound of its pieces' convex hulls. The
world converts to and from kinema's body frame (the centre of its extents), so rollouts keep one convention.

An impact is the normal impulse the body's contacts take in one physics step, divided by its mass: the speed
change that step imposes. Past the threshold the world rewinds the step (`World.step`), swaps the body for its
pieces, each at its place in the body, moving with the body's velocity field v + w x r (r from the body's
centre of mass to the piece's) and spinning at w, and takes the step again: the impact is then taken by the
pieces. Mass and first and second moments of the pieces equal the body's, so linear and angular momentum
carry over to rounding. A static breakable body (a window pane) breaks into pieces at rest.

Pieces whose convex hulls overlap where they start (a piece that spans a hollow or a handle's gap is
collided as its hull, which may reach into a neighbour) do not collide with each other; every other pair
does, and every piece collides with everything else.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation
from sim.bullet import p

from scenes.schema import Body
from sim.fracture import Fracture, fracture
from sim.transforms import pose_matrices

OVERLAP = 1e-3  # m: sibling hulls that start deeper in each other than this (past their margins) do not collide


@dataclass(frozen=True)
class EngineState:
    """A rigid body's state as the engine keeps it: its centre-of-mass frame and velocities, world frame."""

    pose: np.ndarray  # [4, 4] world_from_engine
    linear: np.ndarray  # [3] m/s of the centre of mass
    angular: np.ndarray  # [3] rad/s

    def velocity_at(self, point: np.ndarray) -> np.ndarray:
        """[3] m/s of the body's material point at world `point` [3]: v + w x r."""
        return self.linear + np.cross(self.angular, point - self.pose[:3, 3])


def engine_state(uid: int, client: int) -> EngineState:
    position, orientation = p.getBasePositionAndOrientation(uid, physicsClientId=client)
    linear, angular = p.getBaseVelocity(uid, physicsClientId=client)
    return EngineState(pose=pose_matrices(np.array(position, dtype=float), np.array(orientation, dtype=float)),
                       linear=np.array(linear, dtype=float), angular=np.array(angular, dtype=float))


def quaternion(pose: np.ndarray) -> list[float]:
    """xyzw of the rotation of a 4x4 pose."""
    return Rotation.from_matrix(pose[:3, :3]).as_quat().tolist()


@dataclass
class BreakableBody:
    """Body `index` (1..N) of a world: its fracture, its threshold, and once broken its pieces' engine ids."""

    index: int
    body: Body
    fracture: Fracture
    threshold: float  # m/s of impact
    pieces: list[int] = field(default_factory=list)  # engine ids of the pieces, once broken
    pose_at_break: np.ndarray | None = None  # [4, 4] world_from_body when it broke

    @classmethod
    def of(cls, body: Body, index: int, scene_seed: int) -> "BreakableBody":
        return cls(index=index, body=body, fracture=fracture(body, scene_seed, index), threshold=body.break_threshold)

    @property
    def body_from_engine(self) -> np.ndarray:
        """[4, 4] the intact body's principal frame in its own frame."""
        return self.fracture.whole.frame

    def world_from_body(self, state: EngineState) -> np.ndarray:
        """[4, 4] the body's own frame (the centre of its extents) of the intact engine body in `state`."""
        return state.pose @ np.linalg.inv(self.body_from_engine)

    def collision_shape(self, client: int) -> int:
        """The intact body's compound of its pieces' hulls, in its principal frame."""
        engine_from_body = np.linalg.inv(self.body_from_engine)
        return p.createCollisionShape(p.GEOM_MESH, fileName=str(self.fracture.parts_file),
                                      collisionFramePosition=engine_from_body[:3, 3].tolist(),
                                      collisionFrameOrientation=quaternion(engine_from_body), physicsClientId=client)

    def impact(self, uid: int, points: list, step_hz: int) -> float:
        """m/s: the normal impulse on engine body `uid` in the contact points of the last step, over its mass."""
        impulse = sum(point[9] for point in points if uid in (point[1], point[2])) / step_hz
        return impulse / self.body.mass

    def shatter(self, uid: int, client: int, make_piece) -> list[int]:
        """Swap the intact engine body `uid` for its pieces (made by `make_piece(mass, shape, pose, linear,
        angular, half_extent)`); return their engine ids."""
        state = engine_state(uid, client)  # a static body's velocities read 0
        world_from_body = self.pose_at_break = self.world_from_body(state)
        p.removeBody(uid, physicsClientId=client)
        for piece in self.fracture.pieces:
            local = piece.mass.local(piece.mesh.convex_hull.vertices)  # [V, 3] in the piece's principal frame
            shape = p.createCollisionShape(p.GEOM_MESH, vertices=local.tolist(), physicsClientId=client)
            pose = world_from_body @ piece.mass.frame
            self.pieces.append(make_piece(piece.mass, shape, pose, state.velocity_at(pose[:3, 3]), state.angular,
                                          float(np.abs(local).max(axis=0).min())))
        self._filter_overlapping(client)
        return self.pieces

    def _filter_overlapping(self, client: int) -> None:
        for i, a in enumerate(self.pieces):
            for b in self.pieces[i + 1:]:
                points = p.getClosestPoints(a, b, distance=0.0, physicsClientId=client)
                if any(point[8] < -OVERLAP for point in points):
                    p.setCollisionFilterPair(a, b, -1, -1, 0, physicsClientId=client)
