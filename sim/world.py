"""`World`: a PyBullet world built from a laid-out scene graph, one DIRECT client per world.

Every PyBullet call names `self.client`, so worlds run side by side in one process. The settings below
were chosen against tests/sim/test_physics.py (closed-form answers, 240 Hz) and stacks left at rest:

- Every body, the ground included, is a maximal-coordinate rigid body (`useMaximalCoordinates`). PyBullet's
  default multibody path ignores `useSplitImpulse` for contacts: penetration recovery then goes into velocity,
  so a ball with restitution 0.7 bounced 5 % higher than e^2 predicts (0.2 % with split impulse working).
- The ground is a 2 m thick static box with its top at z = 0, not GEOM_PLANE: PyBullet's plane keeps one
  contact point under a sliding box, which then rocks and sinks 2 cm into the floor (a box ground: 1.3 mm).
- `numSolverIterations=200` (PyBullet's default is 50): with 50, a tower of ten boxes at rest creeps
  sideways ~3 cm/s under split impulse; with 200 its top moves 2 mm in 5 s.
- `useSplitImpulse=1` with `splitImpulsePenetrationThreshold=0` (split impulse for every penetration, not only
  those deeper than Bullet's default 4 cm), `restitutionVelocityThreshold=0`, `contactSlop=0`,
  `deterministicOverlappingPairs=1`, and `contactProcessingThreshold=0` per body (no speculative contacts,
  which stick and bounce early). Cone friction applies to multibodies only, so it is not set.
- Damping is zero (PyBullet's default 0.04 slows free flight by 4 % a second). Sleeping is disabled, so a
  slowly rocking body never freezes.
- Rolling and spinning friction are `ROLLING_RESISTANCE` times the body's smallest half extent; PyBullet
  multiplies that by the other body's engine friction sqrt(mu) (below), so a ball feels a rolling resistance
  coefficient 0.01 * sqrt(mu) (a car tyre on asphalt: ~0.01): it slows a ball rolling on the flat, and costs a
  ball rolling down a slope theta a fraction 0.01 * sqrt(mu) / tan(theta) of (5/7) g sin(theta).
- Material pairs: PyBullet multiplies the friction (and restitution) of two touching bodies, so each body
  gets the square root of its material's value: a pair then has the geometric mean of its two materials,
  exactly the table value for like on like (rubber on rubber 0.8), and in between for unlike pairs (a rubber
  ball on a stone floor: sqrt(0.8 * 0.3) = 0.49 restitution). Rolling friction is multiplied by the other
  body's engine friction, sqrt(mu).

There is no settle phase before frame 0 (it would move what the layout placed): layout stacks bodies exactly
touching, and with these settings a tower of five cubes at rest moves 1.5 mm in 5 s.

Known limits at 240 Hz: without speculative contacts a body landing at speed v overlaps what it lands on by
up to about v / step_hz for a few steps (13 mm in a frame of many_objects_settle; 3 mm at 480 Hz); a block
resting on a 15 degree slope creeps ~0.5 mm/s.

Cones and meshes have their centre of mass at the centre of their extents, like every other body, so one
point per body is what scene graphs, rollouts and events talk about. Breakable bodies are the exception inside
the engine: they are simulated at their exact centre of mass and inertia (`sim.breakage`), so that their pieces
carry their momentum, and reported at the centre of their extents like the rest.
"""

import math
from dataclasses import dataclass

import numpy as np
from sim.bullet import p

from scenes.geometry import rotation_matrix
from scenes.graph import SceneGraph
from scenes.schema import Body, Material
from sim.breakage import BreakableBody, engine_state, quaternion
from sim.errors import SimError
from sim.shapes import collision_shape
from sim.transforms import pose_matrices

ENGINE = {
    "useSplitImpulse": 1,
    "splitImpulsePenetrationThreshold": 0.0,
    "restitutionVelocityThreshold": 0.0,
    "contactSlop": 0.0,
    "deterministicOverlappingPairs": 1,
    "numSolverIterations": 200,
}
ROLLING_RESISTANCE = 0.01  # rolling and spinning friction per metre of the body's smallest half extent
GROUND_HALF_EXTENTS = (500.0, 500.0, 1.0)  # m


@dataclass(frozen=True)
class State:
    """Every body's state at one instant, bodies in graph order, then every breakable body's pieces; xyzw."""

    positions: np.ndarray  # [N, 3] m, world frame: the origin of each body's frame (the centre of its extents)
    orientations: np.ndarray  # [N, 4] xyzw
    linear_velocity: np.ndarray  # [N, 3] m/s of that origin
    angular_velocity: np.ndarray  # [N, 3] rad/s, world frame
    piece_positions: np.ndarray  # [P, 3] m: each piece's centre of mass (its frame: principal axes)
    piece_orientations: np.ndarray  # [P, 4] xyzw
    piece_linear_velocity: np.ndarray  # [P, 3] m/s
    piece_angular_velocity: np.ndarray  # [P, 3] rad/s


def is_static(body: Body) -> bool:
    """Static bodies never move (mass 0 in PyBullet); plane-shaped bodies are always static."""
    return body.static or body.shape == "plane"


class World:
    """The ground (id 0) and the graph's bodies (ids 1..N in graph order) in their initial state.

    A breakable body (`sim.breakage`) is one engine body until it breaks, then one per piece; `breaks` lists
    (physics step, body index) in the order they happened, the step counted by `step` calls.
    """

    def __init__(self, graph: SceneGraph, step_hz: int = 240):
        self.client = p.connect(p.DIRECT)
        if self.client < 0:
            raise SimError("PyBullet could not start a physics client; close some worlds and try again")
        self.step_hz, self.steps, self.breaks = step_hz, 0, []
        self.breakables = {k: BreakableBody.of(body, k, graph.settings.seed)
                           for k, body in enumerate(graph.bodies, 1) if body.breakable is not None}
        try:
            p.setTimeStep(1.0 / step_hz, physicsClientId=self.client)
            p.setPhysicsEngineParameter(**ENGINE, physicsClientId=self.client)
            p.setGravity(*graph.settings.gravity, physicsClientId=self.client)
            slab = p.createCollisionShape(p.GEOM_BOX, halfExtents=GROUND_HALF_EXTENTS, physicsClientId=self.client)
            ground = p.createMultiBody(0.0, slab, basePosition=[0.0, 0.0, -GROUND_HALF_EXTENTS[2]],
                                       useMaximalCoordinates=True, physicsClientId=self.client)
            self._set_material(ground, graph.ground.material, rolling=0.0)
            self.ids = [ground] + [self._add_body(k, body) for k, body in enumerate(graph.bodies, 1)]
        except BaseException:
            self.close()
            raise
        self.index = {uid: k for k, uid in enumerate(self.ids)}

    def __enter__(self) -> "World":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.client is not None:
            p.disconnect(physicsClientId=self.client)
            self.client = None

    def _add_body(self, k: int, body: Body) -> int:
        static = is_static(body)
        breakable = self.breakables.get(k)
        frame = breakable.body_from_engine if breakable else np.eye(4)
        pose = pose_matrices(np.asarray(body.position), np.asarray(body.orientation)) @ frame
        uid = p.createMultiBody(
            0.0 if static else body.mass,
            breakable.collision_shape(self.client) if breakable else collision_shape(body, self.client),
            basePosition=pose[:3, 3].tolist(), baseOrientation=quaternion(pose) if breakable else body.orientation,
            useMaximalCoordinates=True, physicsClientId=self.client)
        self._set_material(uid, body.material, rolling=0.0 if static else ROLLING_RESISTANCE * min(body.size) / 2)
        if not static:
            self._make_dynamic(uid, body.mass, breakable.fracture.whole.moments if breakable else None)
            angular = np.asarray(body.angular_velocity, dtype=float)
            linear = np.asarray(body.linear_velocity) + np.cross(angular, pose[:3, 3] - np.asarray(body.position))
            p.resetBaseVelocity(uid, linear.tolist(), angular.tolist(), physicsClientId=self.client)
        return uid

    def _make_dynamic(self, uid: int, mass: float, moments: np.ndarray | None) -> None:
        """Undamped, never asleep; with `moments` [3], the principal inertia of a body built in its principal frame."""
        inertia = {} if moments is None else {"mass": mass, "localInertiaDiagonal": moments.tolist()}
        p.changeDynamics(uid, -1, linearDamping=0.0, angularDamping=0.0,
                         activationState=p.ACTIVATION_STATE_DISABLE_SLEEPING, **inertia, physicsClientId=self.client)

    def _set_material(self, uid: int, material: Material, rolling: float) -> None:
        p.changeDynamics(uid, -1, lateralFriction=math.sqrt(material.friction),
                         restitution=math.sqrt(material.restitution),
                         rollingFriction=rolling, spinningFriction=rolling, contactProcessingThreshold=0.0,
                         physicsClientId=self.client)

    def step(self) -> None:
        """One physics step. An impact that breaks a body rewinds it; the body's pieces take the step again."""
        intact = [b for b in self.breakables.values() if not b.pieces]
        saved = p.saveState(physicsClientId=self.client) if intact else None
        p.stepSimulation(physicsClientId=self.client)
        if intact:
            points = p.getContactPoints(physicsClientId=self.client)
            broken = [b for b in intact if b.impact(self.ids[b.index], points, self.step_hz) > b.threshold]
            if broken:
                p.restoreState(saved, physicsClientId=self.client)
                for breakable in broken:
                    self.shatter(breakable.index)
                p.stepSimulation(physicsClientId=self.client)
            p.removeState(saved, physicsClientId=self.client)
        self.steps += 1

    def shatter(self, k: int) -> None:
        """Break breakable body k into its pieces now (`step` does it when an impact passes the threshold)."""
        breakable = self.breakables[k]
        body = breakable.body

        def make_piece(mass, shape, pose, linear, angular, half_extent) -> int:
            uid = p.createMultiBody(mass.mass, shape, basePosition=pose[:3, 3].tolist(),
                                    baseOrientation=quaternion(pose), useMaximalCoordinates=True,
                                    physicsClientId=self.client)
            self._set_material(uid, body.material, rolling=ROLLING_RESISTANCE * half_extent)
            self._make_dynamic(uid, mass.mass, mass.moments)
            p.resetBaseVelocity(uid, linear.tolist(), angular.tolist(), physicsClientId=self.client)
            return uid

        for uid in breakable.shatter(self.ids[breakable.index], self.client, make_piece):
            self.index[uid] = breakable.index
        self.breaks.append((self.steps, breakable.index))

    def state(self) -> State:
        bodies = [self._body_state(k) for k in range(1, len(self.ids))]
        pieces = [self._piece_states(breakable) for breakable in self.breakables.values()]
        pieces = [state for states in pieces for state in states]
        return State(
            positions=np.array([s[0] for s in bodies], dtype=float).reshape(-1, 3),
            orientations=np.array([s[1] for s in bodies], dtype=float).reshape(-1, 4),
            linear_velocity=np.array([s[2] for s in bodies], dtype=float).reshape(-1, 3),
            angular_velocity=np.array([s[3] for s in bodies], dtype=float).reshape(-1, 3),
            piece_positions=np.array([s[0] for s in pieces], dtype=float).reshape(-1, 3),
            piece_orientations=np.array([s[1] for s in pieces], dtype=float).reshape(-1, 4),
            piece_linear_velocity=np.array([s[2] for s in pieces], dtype=float).reshape(-1, 3),
            piece_angular_velocity=np.array([s[3] for s in pieces], dtype=float).reshape(-1, 3),
        )

    def _body_state(self, k: int) -> tuple:
        """(position, orientation, linear velocity, angular velocity) of body k's frame origin.

        A broken body's frame keeps the orientation it broke at and follows its pieces' centre of mass."""
        breakable = self.breakables.get(k)
        if breakable is None:
            position, orientation = p.getBasePositionAndOrientation(self.ids[k], physicsClientId=self.client)
            return (position, orientation, *p.getBaseVelocity(self.ids[k], physicsClientId=self.client))
        if not breakable.pieces:
            state = engine_state(self.ids[k], self.client)
            pose = breakable.world_from_body(state)
            return pose[:3, 3], quaternion(pose), state.velocity_at(pose[:3, 3]), state.angular
        masses = np.array([piece.mass.mass for piece in breakable.fracture.pieces])  # [P]
        states = [engine_state(uid, self.client) for uid in breakable.pieces]
        centre = masses @ np.array([s.pose[:3, 3] for s in states]) / masses.sum()
        velocity = masses @ np.array([s.linear for s in states]) / masses.sum()
        rotation = breakable.pose_at_break[:3, :3]
        return centre - rotation @ breakable.fracture.whole.centre, quaternion(breakable.pose_at_break), velocity, \
            np.zeros(3)

    def _piece_states(self, breakable: BreakableBody) -> list[tuple]:
        """(position, orientation, linear, angular) of each piece's principal frame: glued to its body until it
        breaks, then its own."""
        if breakable.pieces:
            states = [engine_state(uid, self.client) for uid in breakable.pieces]
            return [(s.pose[:3, 3], quaternion(s.pose), s.linear, s.angular) for s in states]
        state = engine_state(self.ids[breakable.index], self.client)
        poses = [breakable.world_from_body(state) @ piece.mass.frame for piece in breakable.fracture.pieces]
        return [(pose[:3, 3], quaternion(pose), state.velocity_at(pose[:3, 3]), state.angular) for pose in poses]

    def contacts(self) -> np.ndarray:
        """[C, 3] rows (body a, body b, total normal force in N over their contact points) of the last step.

        Ids: 0 the ground, k the k-th body (its pieces count as it); a < b; rows sorted.
        """
        totals: dict[tuple[int, int], float] = {}
        for point in p.getContactPoints(physicsClientId=self.client):
            pair = tuple(sorted((self.index[point[1]], self.index[point[2]])))
            if pair[0] == pair[1]:  # two pieces of one body
                continue
            totals[pair] = totals.get(pair, 0.0) + point[9]
        return np.array([(*pair, force) for pair, force in sorted(totals.items())], dtype=float).reshape(-1, 3)

    def hold(self, k: int, position, orientation) -> None:
        """Put body k at `position` and `orientation` (xyzw), at rest: held there until it is let go (a held
        body that broke is held no more: its pieces fall)."""
        uid, breakable = self.ids[k], self.breakables.get(k)
        if breakable is not None:
            if breakable.pieces:
                return
            pose = pose_matrices(np.asarray(position, dtype=float), np.asarray(orientation, dtype=float)) @ \
                breakable.body_from_engine
            position, orientation = pose[:3, 3], quaternion(pose)
        p.resetBasePositionAndOrientation(uid, list(position), list(orientation), physicsClientId=self.client)
        p.resetBaseVelocity(uid, [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], physicsClientId=self.client)

    def apply_impulse(self, k: int, impulse, angular_impulse) -> None:
        """Change dynamic body k's velocities as an impulse (N*s) and angular impulse (N*m*s) at its centre would.

        A breakable body takes them at its centre of mass; once broken, each piece takes its share of the
        impulse by mass (the same speed change) and the angular impulse is not applied.
        """
        breakable = self.breakables.get(k)
        if breakable is not None and breakable.pieces:
            for uid, piece in zip(breakable.pieces, breakable.fracture.pieces):
                share = piece.mass.mass / breakable.body.mass
                self._apply(uid, np.asarray(impulse) * share, np.zeros(3))
            return
        self._apply(self.ids[k], impulse, angular_impulse)

    def _apply(self, uid: int, impulse, angular_impulse) -> None:
        mass, _, inertia = p.getDynamicsInfo(uid, -1, physicsClientId=self.client)[:3]  # principal, body frame
        linear, angular = p.getBaseVelocity(uid, physicsClientId=self.client)
        rotation = rotation_matrix(p.getBasePositionAndOrientation(uid, physicsClientId=self.client)[1])
        inverse_inertia = rotation @ np.diag(1.0 / np.asarray(inertia)) @ rotation.T  # [3, 3] world frame
        p.resetBaseVelocity(uid, (np.asarray(linear) + np.asarray(impulse) / mass).tolist(),
                            (np.asarray(angular) + inverse_inertia @ np.asarray(angular_impulse)).tolist(),
                            physicsClientId=self.client)
