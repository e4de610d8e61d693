"""The layout solver: relations and actions become initial poses and velocities that hold in the camera's view.

Positions are solved in the camera's ground frame: `u` along the camera's right (left of = smaller u, so
smaller image x), `w` along its horizontal forward (in front of = smaller w). Bodies resting on others form
stacks; each stack (or each row of dominoes) is one placement unit with a footprint. Units are placed in
order of the left/right and front/behind constraints by seeded rejection sampling, then stacks are built
upward, actions become velocities, the camera is framed, and every relation is checked in the image.
"""

import math
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from scenes.errors import SceneError
from scenes.geometry import (
    bodies_overlap, half_extents_world, look_at, quat_from_axis_angle, quat_multiply, rotation_matrix,
)
from scenes.graph import SceneGraph
from scenes.schema import Action, Body, Event, Relation
from scenes.vocabulary import DEFAULT_DROP_HEIGHT, DEFAULT_SPEED, NOUNS

GAP = 0.15  # m between units that must not touch, and between ordered units
NEAR_DISTANCE = 0.5  # m of free space at most between bodies that are "near"
TARGET_DISTANCE = (1.2, 3.0)  # m between a body and what it is sent toward
THROW_HEIGHT = 0.5  # m of clearance a thrown body starts at (it leaves a hand, not the floor)
MAX_THROW_SPEED = 12.0  # m/s: a hard human throw; a target that needs more is out of reach
INSIDE_WALL = 0.03  # m, floor thickness allowance of a container mesh
CAMERA_ELEVATION = math.radians(20.0)
RESTARTS = 8  # fresh starts of the greedy placement before a layout is declared infeasible
MIN_CAMERA_DISTANCE = 3.0
SUPPORTING = ("on", "above", "inside")
HORIZONTAL = {"left_of": ("u", False), "right_of": ("u", True), "in_front_of": ("w", False), "behind": ("w", True)}


@dataclass
class Unit:
    """Bodies placed together on the ground: a stack on one root body, or a row group."""

    roots: list[str]
    half_u: float = 0.0
    half_w: float = 0.0
    u: float | None = None
    w: float | None = None
    members: set[str] = field(default_factory=set)


def lay_out(graph: SceneGraph, rng: np.random.Generator) -> SceneGraph:
    """Solve initial poses, velocities and the camera's first pose in place; a laid-out graph is unchanged."""
    if graph.settings.laid_out:
        return graph
    solver = _Solver(graph, rng)
    solver.solve()
    graph.settings = graph.settings.model_copy(update={"laid_out": True})
    return graph


def describe(relation: Relation) -> str:
    return f"{relation.subject} {relation.relation.replace('_', ' ')} {relation.object}"


class _Solver:
    def __init__(self, graph: SceneGraph, rng: np.random.Generator):
        self.graph, self.rng = graph, rng
        self.bodies: dict[str, Body] = {body.id: body for body in graph.bodies}
        camera = graph.camera
        forward = np.subtract(camera.look_at, camera.eye)
        horizontal = np.array([forward[0], forward[1], 0.0])
        if np.linalg.norm(horizontal) < 1e-6:
            raise SceneError("the camera looks straight down; tilt it so left and right are defined")
        self.forward = horizontal / np.linalg.norm(horizontal)
        self.right = np.cross(self.forward, [0.0, 0.0, 1.0])
        self.yaw = math.atan2(self.right[1], self.right[0])
        self.origin = np.array([camera.look_at[0], camera.look_at[1], 0.0]) if camera.pose_from_author \
            else np.zeros(3)

    # --- the whole solve ------------------------------------------------------------------------------
    def solve(self) -> None:
        self.supports = self._supports()
        self._orient_resting_bodies()
        units = self._units()
        self._place_units(units)
        for unit in units:
            self._build_unit(unit)
        self._apply_actions()
        for body in self.bodies.values():
            self.graph.replace_body(body)
        self._check_interpenetration()
        self._frame_camera()

    # --- supports: who rests on whom ----------------------------------------------------------------
    def _supports(self) -> dict[str, tuple[str, str, float]]:
        """body -> (support body, how: on/above/inside, clearance in m)."""
        supports: dict[str, tuple[str, str, float]] = {}

        def add(subject: str, support: str, how: str, clearance: float, said: str) -> None:
            if support == "ground":
                return
            if subject in supports and supports[subject][0] != support:
                raise SceneError(f"contradictory relations: {subject} rests on both {supports[subject][0]} "
                                 f"and {support} ({said}); keep one")
            supports[subject] = (support, how, clearance)

        for relation in self.graph.relations:
            if relation.relation in SUPPORTING:
                clearance = DEFAULT_DROP_HEIGHT if relation.relation == "above" else 0.0
                add(relation.subject, relation.object, relation.relation, clearance, describe(relation))
        for action in self.graph.actions:
            if action.action == "drop" and action.target:
                add(action.subject, action.target, "above", action.height or DEFAULT_DROP_HEIGHT,
                    f"{action.subject} falls onto {action.target}")
            if action.via == "down":
                if not (action.target and self._is_ramp(action.target)):
                    raise SceneError(f"{action.subject} can only {action.action} down a ramp, and "
                                     f"{action.target or 'nothing'} is not one; add a ramp")
                add(action.subject, action.target, "on", 0.0, f"{action.subject} moves down {action.target}")
        chain = nx.DiGraph((a, b) for a, (b, _, _) in supports.items())
        try:
            cycle = nx.find_cycle(chain)
            names = " -> ".join(a for a, _ in cycle) + f" -> {cycle[0][0]}"
            raise SceneError(f"contradictory relations: bodies rest on each other in a loop ({names})")
        except nx.NetworkXNoCycle:
            pass
        for subject, (support, how, _) in supports.items():
            if how == "inside":
                self._check_fits_inside(subject, support)
        return supports

    def _is_ramp(self, body_id: str) -> bool:
        return NOUNS.get(self.bodies[body_id].noun, None) is not None and NOUNS[self.bodies[body_id].noun].tilt_deg > 0

    def _check_fits_inside(self, subject: str, container: str) -> None:
        inner, outer = self.bodies[subject], self.bodies[container]
        if outer.shape != "mesh":
            raise SceneError(f"{subject} cannot be inside {container}: only a hollow mesh (a bowl) holds things")
        if max(inner.size[:2]) > 0.7 * min(outer.size[:2]) or inner.size[2] > 2 * outer.size[2]:
            raise SceneError(f"{subject} ({max(inner.size):.2f} m) does not fit inside {container} "
                             f"({min(outer.size[:2]):.2f} m wide); make it smaller or the container larger")

    def _root(self, body_id: str) -> str:
        while body_id in self.supports:
            body_id = self.supports[body_id][0]
        return body_id

    # --- orientation --------------------------------------------------------------------------------
    def _orient_resting_bodies(self) -> None:
        """Face the camera squarely (yaw), and tilt ramps down toward the camera's right or left."""
        downhill = self._ramp_directions()
        for body_id, body in self.bodies.items():
            if body.pose_from_author:
                continue
            q = quat_from_axis_angle([0, 0, 1], self.yaw)
            tilt = math.radians(NOUNS[body.noun].tilt_deg) if body.noun in NOUNS else 0.0
            if tilt:
                # local x points uphill: yaw it against the downhill direction, then pitch it up by the tilt.
                q = quat_from_axis_angle([0, 0, 1], self.yaw + (math.pi if downhill[body_id] > 0 else 0.0))
                q = quat_multiply(q, quat_from_axis_angle([0, 1, 0], -tilt))
            self.bodies[body_id] = body.model_copy(update={"orientation": tuple(float(c) for c in q)})

    def _ramp_directions(self) -> dict[str, float]:
        """+1 where a ramp runs down to the camera's right, -1 to its left (from a direction said, else seeded)."""
        said = {a.target: a.direction for a in self.graph.actions if a.target and a.direction in ("left", "right")}
        return {
            body_id: (1.0 if said[body_id] == "right" else -1.0) if body_id in said
            else float(self.rng.choice([-1.0, 1.0]))
            for body_id in self.bodies if self._is_ramp(body_id)
        }

    # --- units and their horizontal placement --------------------------------------------------------
    def _units(self) -> list[Unit]:
        rows: dict[str, list[str]] = {}
        units: list[Unit] = []
        for body_id, body in self.bodies.items():
            if body_id in self.supports:
                continue
            if body.group and body.group.kind == "row":
                if body.group.id not in rows:
                    rows[body.group.id] = []
                    units.append(Unit(roots=rows[body.group.id]))
                rows[body.group.id].append(body_id)
            else:
                units.append(Unit(roots=[body_id]))
        for unit in units:
            unit.roots.sort(key=lambda b: self.bodies[b].group.index if self.bodies[b].group else 0)
            unit.members = {b for b in self.bodies if self._root(b) in unit.roots}
            self._measure(unit)
        return units

    def _row_spacing(self, body: Body) -> float:
        """Dominoes stand 0.6 of their height apart: close enough that each one topples the next."""
        return max(0.6 * body.size[2], body.size[0] + 0.02)

    def _measure(self, unit: Unit) -> None:
        """Half extents of the unit's footprint along u and w (a row adds its length along u)."""
        first = self.bodies[unit.roots[0]]
        row_length = (len(unit.roots) - 1) * self._row_spacing(first)
        to_uw = np.abs(np.array([self.right[:2], self.forward[:2]]))
        footprints = np.array([to_uw @ half_extents_world(self.bodies[m])[:2] for m in unit.members])
        unit.half_u = float(footprints[:, 0].max()) + row_length / 2
        unit.half_w = float(footprints[:, 1].max())

    def _uw(self, position) -> tuple[float, float]:
        offset = np.asarray(position, dtype=float) - self.origin
        return float(offset @ self.right), float(offset @ self.forward)

    def _place_units(self, units: list[Unit]) -> None:
        unit_of = {member: unit_index for unit_index, unit in enumerate(units) for member in unit.members}
        self.unit_of = {member: units[unit_index] for member, unit_index in unit_of.items()}
        orders = {"u": nx.DiGraph(), "w": nx.DiGraph()}
        for order in orders.values():
            order.add_nodes_from(range(len(units)))
        near: list[tuple[int, int]] = []
        for relation in self.graph.relations:
            if relation.object == "ground":
                continue
            a, b = unit_of[relation.subject], unit_of[relation.object]
            if relation.relation in HORIZONTAL:
                axis, flipped = HORIZONTAL[relation.relation]
                if a == b and self._siblings(relation.subject, relation.object):
                    continue  # "a cup left of a plate, both on a table": placed on the table (_build_on)
                if a == b:
                    raise SceneError(f"contradictory relations: {describe(relation)}, but they rest on each "
                                     f"other; place one beside the other instead")
                first, second = (b, a) if flipped else (a, b)
                orders[axis].add_edge(first, second, said=describe(relation))
            elif relation.relation == "near" and a != b:
                near.append((a, b))
        for action in self.graph.actions:
            if action.via == "behind" and action.target:
                a, b = unit_of[action.subject], unit_of[action.target]
                orders["w"].add_edge(b, a, said=f"{action.subject} passes behind {action.target}")
                orders["u"].add_edge(a, b, said=f"{action.subject} starts beside {action.target}")
        for order in orders.values():
            try:
                cycle = nx.find_cycle(order)
                said = "; ".join(order.edges[a, b]["said"] for a, b in cycle)
                raise SceneError(f"contradictory relations: {said}; remove one of them")
            except nx.NetworkXNoCycle:
                pass
        aimed = [(unit_of[a.subject], unit_of[a.target]) for a in self.graph.actions
                 if a.target and a.action in ("roll", "push", "slide", "throw") and a.via != "down"
                 and a.subject not in self.supports]
        rank_u = self._ranks(orders["u"])
        rank_w = self._ranks(orders["w"])
        for index, unit in enumerate(units):
            authored = [m for m in unit.roots if self.bodies[m].pose_from_author]
            if authored:
                unit.u, unit.w = self._uw(self.bodies[authored[0]].position)
        combined = nx.compose(orders["u"], orders["w"])
        if nx.is_directed_acyclic_graph(combined):
            placement_order = list(nx.lexicographical_topological_sort(combined))
        else:  # e.g. A left of B and B in front of A: consistent, but place in left-to-right order
            placement_order = sorted(range(len(units)), key=lambda i: (rank_u[i], rank_w[i], i))
        # a square stage about twice the units' total footprint keeps the scene compact in the frame
        area = sum((2 * unit.half_u + GAP) * (2 * unit.half_w + GAP) for unit in units)
        extent = 0.5 + math.sqrt(2 * area) / 2
        free = [index for index in placement_order if units[index].u is None]
        for restart in range(RESTARTS):
            try:
                for index in free:
                    self._sample_unit(index, units, orders, near, aimed, extent)
                if len(free) == len(units):
                    _centre(units)
                return
            except SceneError:
                if restart == RESTARTS - 1:
                    raise
                for index in free:  # greedy placement painted itself into a corner: start over
                    units[index].u = units[index].w = None

    @staticmethod
    def _ranks(order: nx.DiGraph) -> dict[int, int]:
        ranks = {}
        for node in nx.topological_sort(order):
            ranks[node] = max((ranks[p] + 1 for p in order.predecessors(node)), default=0)
        return ranks

    def _sample_unit(self, index, units, orders, near, aimed, extent) -> None:
        """Seeded rejection sampling: within the said sides of placed neighbours, or around a partner."""
        unit = units[index]
        partners = [units[b if a == index else a] for a, b in near + aimed if index in (a, b)]
        partners = [p for p in partners if p.u is not None]
        for attempt in range(4):
            radius = extent * 1.5 ** (attempt % 2)
            if attempt == 2:  # the distance to an aimed-at body is a preference, not a relation: let it go
                aimed = []
            u_low, u_high = self._bounds(index, units, orders["u"], "u", radius)
            w_low, w_high = self._bounds(index, units, orders["w"], "w", radius)
            for trial in range(200):
                if partners and trial % 2 == 0:
                    partner = partners[trial // 2 % len(partners)]
                    distance = self.rng.uniform(0.5, TARGET_DISTANCE[1]) + max(unit.half_u, unit.half_w)
                    angle = self.rng.uniform(0.0, 2 * math.pi)
                    u, w = partner.u + distance * math.cos(angle), partner.w + distance * math.sin(angle)
                    if not (u_low <= u <= u_high and w_low <= w <= w_high):
                        continue
                else:
                    u, w = float(self.rng.uniform(u_low, u_high)), float(self.rng.uniform(w_low, w_high))
                if self._acceptable(index, u, w, units, near, aimed):
                    unit.u, unit.w = float(u), float(w)
                    return
        names = ", ".join(sorted(unit.roots))
        raise SceneError(f"cannot lay out {names}: no free place satisfies its relations without overlapping "
                         f"other bodies; remove a relation or some bodies")

    @staticmethod
    def _bounds(index, units, order: nx.DiGraph, axis: str, radius: float) -> tuple[float, float]:
        """The interval of `axis` that keeps every placed neighbour on its said side, within the stage.

        With a neighbour on one side only, the interval is a window beside it, so related bodies stay close.
        """
        def half(unit: Unit) -> float:
            return unit.half_u if axis == "u" else unit.half_w

        def value(unit: Unit) -> float | None:
            return unit.u if axis == "u" else unit.w

        low, high = -math.inf, math.inf
        for before in order.predecessors(index):
            if value(units[before]) is not None:
                low = max(low, value(units[before]) + half(units[before]) + half(units[index]) + GAP)
        for after in order.successors(index):
            if value(units[after]) is not None:
                high = min(high, value(units[after]) - half(units[after]) - half(units[index]) - GAP)
        if low > high:
            names = ", ".join(units[index].roots)
            raise SceneError(f"cannot lay out {names}: there is no room between the bodies it must lie between; "
                             f"remove a relation")
        window = 1.0 + radius / 4
        if math.isinf(low) and math.isinf(high):
            return -radius, radius
        if math.isinf(high):
            return low, low + window
        if math.isinf(low):
            return high - window, high
        return low, high

    def _acceptable(self, index, u, w, units, near, aimed) -> bool:
        unit = units[index]
        for other_index, other in enumerate(units):
            if other_index == index or other.u is None:
                continue
            if abs(u - other.u) < unit.half_u + other.half_u + GAP and \
               abs(w - other.w) < unit.half_w + other.half_w + GAP:
                return False
            if ((index, other_index) in near or (other_index, index) in near) and \
                    _gap(unit, other, u, w) > NEAR_DISTANCE:
                return False
            if (index, other_index) in aimed or (other_index, index) in aimed:
                distance = math.hypot(u - other.u, w - other.w)
                if not TARGET_DISTANCE[0] <= distance <= TARGET_DISTANCE[1] + unit.half_u + other.half_u:
                    return False
        return True

    # --- building stacks upward ----------------------------------------------------------------------
    def _build_unit(self, unit: Unit) -> None:
        spacing = self._row_spacing(self.bodies[unit.roots[0]])
        start = -(len(unit.roots) - 1) * spacing / 2
        for i, root in enumerate(unit.roots):
            body = self.bodies[root]
            if not body.pose_from_author:
                position = self.origin + (unit.u + start + i * spacing) * self.right + unit.w * self.forward
                position[2] = self._rest_height(body) + self._own_clearance(root)
                self.bodies[root] = body.model_copy(update={"position": tuple(float(c) for c in position)})
            self._build_on(root)

    def _rest_height(self, body: Body) -> float:
        return float(half_extents_world(body)[2])

    def _own_clearance(self, body_id: str) -> float:
        """Extra height of a body that falls or is thrown (with no support said)."""
        for action in self.graph.actions:
            if action.subject == body_id and action.action == "drop" and not action.target:
                return action.height if action.height is not None else DEFAULT_DROP_HEIGHT
            if action.subject == body_id and action.action == "throw":
                return THROW_HEIGHT
        return 0.0

    def _siblings(self, a: str, b: str) -> bool:
        """Whether two bodies stand on the same support (so their side-by-side relations are placed on it)."""
        return a in self.supports and b in self.supports and self.supports[a][0] == self.supports[b][0]

    def _sibling_order(self, children: list[str]) -> tuple[list[str], dict[str, float]]:
        """Children of one support left to right as their relations say (else as named), and how far each stands
        toward the camera's forward (+) or back (-): behind / in front of a sibling."""
        order = nx.DiGraph()
        order.add_nodes_from(children)
        depth = dict.fromkeys(children, 0.0)
        for relation in self.graph.relations:
            a, b = relation.subject, relation.object
            if a not in depth or b not in depth:
                continue
            if relation.relation in ("left_of", "right_of"):
                order.add_edge(*((a, b) if relation.relation == "left_of" else (b, a)))
            elif relation.relation in ("behind", "in_front_of"):
                step = max(self.bodies[a].size[1], self.bodies[b].size[1]) / 2 + 0.02
                depth[a] = depth[b] + (step if relation.relation == "behind" else -step)
        try:
            ranked = list(nx.lexicographical_topological_sort(order, key=children.index))
        except nx.NetworkXUnfeasible:
            raise SceneError(f"contradictory relations among the bodies on {self.supports[children[0]][0]}: "
                             "they are left and right of each other in a loop; remove one") from None
        return ranked, depth

    def _build_on(self, support_id: str) -> None:
        children, depth = self._sibling_order([b for b, (s, _, _) in self.supports.items() if s == support_id])
        support = self.bodies[support_id]
        rotation = rotation_matrix(support.orientation)
        for i, child_id in enumerate(children):
            child = self.bodies[child_id]
            _, how, clearance = self.supports[child_id]
            spread = (i - (len(children) - 1) / 2) * (max(child.size[:2]) + 0.05)
            if self._is_ramp(support_id):
                # start near the top end of the slope, lying flat on it
                local = np.array([0.3 * support.size[0], spread, support.size[2] / 2])
                normal = rotation[:, 2]
                orientation = support.orientation
            else:
                local = np.array([0.0, 0.0, 0.0])
                normal = np.array([0.0, 0.0, 1.0])
                orientation = child.orientation
            if child.pose_from_author:
                self._build_on(child_id)
                continue
            child = child.model_copy(update={"orientation": tuple(float(c) for c in orientation)})
            if self._is_ramp(support_id):
                base = np.asarray(support.position) + rotation @ local
                height = child.size[2] / 2
            else:
                base = np.asarray(support.position) + spread * self.right + depth[child_id] * self.forward
                if how == "inside":
                    base[2] = support.position[2] - support.size[2] / 2 + INSIDE_WALL
                else:
                    base[2] = support.position[2] + half_extents_world(support)[2]
                height = float(half_extents_world(child)[2])
            position = base + normal * (height + clearance + self._own_clearance(child_id) * (how != "above"))
            self.bodies[child_id] = child.model_copy(update={"position": tuple(float(c) for c in position)})
            self._build_on(child_id)

    # --- actions -> initial velocities ---------------------------------------------------------------
    def _direction_vector(self, direction: str) -> np.ndarray:
        return {"left": -self.right, "right": self.right, "forward": self.forward,
                "backward": -self.forward}[direction]

    def _apply_actions(self) -> None:
        for action in self.graph.actions:
            body = self.bodies[action.subject]
            if action.action == "drop":
                if action.delay is not None:  # held where it starts, then let go
                    self.graph.add_event(Event(frame=round(action.delay * self.graph.settings.fps), body=body.id,
                                               release=True))
                continue
            if action.action == "topple":
                self._topple(action)
                continue
            if action.action == "throw":
                velocity = self._throw_velocity(action, body)
            elif action.via == "down":
                ramp = self.bodies[action.target]
                downhill = -rotation_matrix(ramp.orientation)[:, 0]
                velocity = downhill * (action.speed or 0.0)
            else:
                velocity = self._aim(action, body) * (action.speed or DEFAULT_SPEED[action.action])
            spin = np.zeros(3)
            if action.action == "roll" and body.shape == "sphere":
                spin = np.cross([0.0, 0.0, 1.0], velocity) / (body.size[0] / 2)  # rolling without slipping
            if action.delay is not None:
                self._kick(body, round(action.delay * self.graph.settings.fps), velocity, spin)
                continue
            if action.after_fall:
                self._kick_on_landing(action, body, velocity, spin)
                continue
            self.bodies[action.subject] = body.model_copy(update={
                "linear_velocity": tuple(float(c) for c in velocity),
                "angular_velocity": tuple(float(c) for c in spin),
            })

    def _kick_on_landing(self, action: Action, body: Body, velocity: np.ndarray, spin: np.ndarray) -> None:
        """A motion said after a fall starts as an impulse on the first frame after the body lands."""
        drop = next(a for a in self.graph.actions if a.subject == action.subject and a.action == "drop")
        gravity = -self.graph.settings.gravity[2]
        clearance = drop.height if drop.height is not None else DEFAULT_DROP_HEIGHT
        landing = math.sqrt(2 * clearance / gravity) if gravity > 0 else 0.0
        self._kick(body, math.ceil(landing * self.graph.settings.fps) + 1, velocity, spin)

    def _kick(self, body: Body, frame: int, velocity: np.ndarray, spin: np.ndarray) -> None:
        """An impulse at `frame` giving a body at rest `velocity` (and a ball `spin`)."""
        inertia = 0.1 * body.mass * body.size[0] ** 2 if body.shape == "sphere" else 0.0  # 2/5 m r^2
        self.graph.add_event(Event(frame=frame, body=body.id,
                                   impulse=tuple(float(c) for c in body.mass * velocity),
                                   angular_impulse=tuple(float(c) for c in inertia * spin)))

    def _aim(self, action: Action, body: Body) -> np.ndarray:
        """Unit horizontal direction of a push, roll or slide."""
        if action.via in ("behind", "in_front"):
            return self.right
        if action.target:
            offset = np.subtract(self.bodies[action.target].position, body.position)
            offset[2] = 0.0
            if np.linalg.norm(offset) < 1e-6:
                raise SceneError(f"{action.subject} is already at {action.target}; it cannot move toward it")
            return offset / np.linalg.norm(offset)
        return self._direction_vector(action.direction or "right")

    def _throw_velocity(self, action: Action, body: Body) -> np.ndarray:
        """Launch velocity: toward the target's top on a ballistic arc (45 degrees, steeper if it is high)."""
        gravity = -self.graph.settings.gravity[2]
        if not action.target:
            angle = math.radians(45.0)
            horizontal = self._direction_vector(action.direction or "right")
            speed = action.speed or DEFAULT_SPEED["throw"]
            return speed * (math.cos(angle) * horizontal + math.sin(angle) * np.array([0.0, 0.0, 1.0]))
        target = self.bodies[action.target]
        goal = np.asarray(target.position) + [0.0, 0.0, half_extents_world(target)[2]]
        offset = goal - np.asarray(body.position)
        distance = float(np.hypot(offset[0], offset[1]))
        horizontal = np.array([offset[0], offset[1], 0.0]) / max(distance, 1e-9)
        for degrees in (45.0, 60.0, 75.0):
            angle = math.radians(degrees)
            if action.speed:
                speed = action.speed
                break
            rise = distance * math.tan(angle) - offset[2]
            if rise > 1e-3 and gravity > 0:
                speed = math.sqrt(gravity * distance**2 / (2 * math.cos(angle) ** 2 * rise))
                break
        else:
            raise SceneError(f"{action.target} is too high above {action.subject} to be reached by a throw")
        if speed > MAX_THROW_SPEED:
            raise SceneError(f"{action.subject} would need {speed:.0f} m/s to reach {action.target}; bring them "
                             f"closer or lower the target (at most {MAX_THROW_SPEED:g} m/s)")
        return speed * (math.cos(angle) * horizontal + math.sin(angle) * np.array([0.0, 0.0, 1.0]))

    def _topple(self, action: Action) -> None:
        """Tip a body and all it carries over its bottom edge: a rigid rotation with the top moving at speed."""
        direction = self._direction_vector(action.direction or "right")
        stack = [action.subject] + [b for b in self.bodies if b != action.subject and self._rests_on(b, action.subject)]
        base = self.bodies[action.subject]
        bottom = np.asarray(base.position) - [0.0, 0.0, half_extents_world(base)[2]]
        pivot = bottom + direction * float(np.abs(half_extents_world(base)[:2] @ np.abs(direction[:2])))
        top = max(self.bodies[b].position[2] + half_extents_world(self.bodies[b])[2] for b in stack)
        spin = np.cross([0.0, 0.0, 1.0], direction) * (action.speed or DEFAULT_SPEED["topple"]) / (top - pivot[2])
        for body_id in stack:
            body = self.bodies[body_id]
            velocity = np.cross(spin, np.asarray(body.position) - pivot)
            self.bodies[body_id] = body.model_copy(update={
                "linear_velocity": tuple(float(c) for c in velocity),
                "angular_velocity": tuple(float(c) for c in spin),
            })

    def _rests_on(self, body_id: str, base_id: str) -> bool:
        while body_id in self.supports:
            body_id = self.supports[body_id][0]
            if body_id == base_id:
                return True
        return False

    # --- checks ----------------------------------------------------------------------------------------
    def _check_interpenetration(self) -> None:
        bodies = list(self.bodies.values())
        for i, a in enumerate(bodies):
            for b in bodies[i + 1:]:
                touching = self.supports.get(a.id, ("",))[0] == b.id or self.supports.get(b.id, ("",))[0] == a.id
                if self.supports.get(a.id, ("", ""))[1] == "inside" or self.supports.get(b.id, ("", ""))[1] == "inside":
                    continue
                if not touching and bodies_overlap(a, b):
                    raise SceneError(f"{a.id} and {b.id} overlap at the start; move one of them "
                                     f"(positions {_fmt(a.position)} and {_fmt(b.position)})")

    def _frame_camera(self) -> None:
        """Aim the camera at the bodies (unless the author placed it) and check the relations in its image."""
        camera = self.graph.camera
        if not camera.pose_from_author:
            points = []
            for body in self.bodies.values():
                if body.shape == "plane":
                    continue
                reach = np.asarray(body.linear_velocity) * min(self.graph.settings.duration, 1.0)
                reach[2] = 0.0
                for end in (np.asarray(body.position), np.asarray(body.position) + reach):
                    extents = half_extents_world(body)
                    points += [end - extents, end + extents]
            points = np.array(points) if points else np.zeros((1, 3))
            low, high = points.min(axis=0), points.max(axis=0)
            centre = (low + high) / 2
            look_at = np.array([centre[0], centre[1], float(np.clip(centre[2], 0.2, 1.5))])
            radius = float(np.linalg.norm(high - low)) / 2
            distance = max(MIN_CAMERA_DISTANCE, 1.15 * radius / math.tan(camera.fov_y / 2))
        for _ in range(6):
            if not camera.pose_from_author:
                back = -self.forward * distance * math.cos(CAMERA_ELEVATION)
                eye = look_at + back + np.array([0.0, 0.0, distance * math.sin(CAMERA_ELEVATION)])
                camera = camera.model_copy(update={"eye": tuple(float(c) for c in eye),
                                                   "look_at": tuple(float(c) for c in look_at)})
            problem = self._first_violated_relation(camera)
            if problem is None or camera.pose_from_author:
                break
            distance *= 1.5  # perspective can flip left/right of near bodies: step back
        self.graph.camera = camera
        if problem is not None:
            raise SceneError(f"relation '{problem}' does not hold in the camera's view; "
                             f"change the positions or the camera")

    def _first_violated_relation(self, camera) -> str | None:
        view = np.linalg.inv(look_at(camera.eye, camera.look_at))  # camera_from_world
        for relation in self.graph.relations:
            if relation.object == "ground":
                continue
            a, b = self.bodies[relation.subject], self.bodies[relation.object]
            (xa, _, za), (xb, _, zb) = (_to_camera(view, a.position), _to_camera(view, b.position))
            # image x grows with x / depth; depth = -z in OpenGL camera coordinates
            holds = {
                "left_of": lambda: xa / -za < xb / -zb,
                "right_of": lambda: xa / -za > xb / -zb,
                "in_front_of": lambda: self._ahead(camera, a) < self._ahead(camera, b),
                "behind": lambda: self._ahead(camera, a) > self._ahead(camera, b),
                "on": lambda: self._resting_on(a, b),
                "above": lambda: a.position[2] > b.position[2],
                "inside": lambda: bool(np.all(np.abs(np.subtract(a.position, b.position)[:2]) <= np.array(b.size[:2]) / 2)),
                "near": lambda: _gap(self.unit_of[a.id], self.unit_of[b.id]) <= NEAR_DISTANCE + 1e-6,
            }[relation.relation]
            if not holds():
                return describe(relation)
        return None

    def _ahead(self, camera, body: Body) -> float:
        """Horizontal distance of a body from the camera along its view: what 'in front of' compares."""
        return float(np.subtract(body.position, camera.eye)[:2] @ self.forward[:2])

    def _resting_on(self, a: Body, b: Body) -> bool:
        if self._is_ramp(b.id):
            return self.supports.get(a.id, ("",))[0] == b.id
        bottom = a.position[2] - half_extents_world(a)[2]
        top = b.position[2] + half_extents_world(b)[2]
        inside = np.all(np.abs(np.subtract(a.position, b.position)[:2]) <= half_extents_world(b)[:2] + 1e-6)
        return bool(inside and abs(bottom - top) < 0.01)


def _to_camera(view: np.ndarray, point) -> np.ndarray:
    return (view @ np.array([*point, 1.0]))[:3]


def _centre(units: list[Unit]) -> None:
    """Shift units so their footprints' bounding box is centred on the origin (the point the camera looks at)."""
    u_mid = (min(u.u - u.half_u for u in units) + max(u.u + u.half_u for u in units)) / 2
    w_mid = (min(u.w - u.half_w for u in units) + max(u.w + u.half_w for u in units)) / 2
    for unit in units:
        unit.u -= u_mid
        unit.w -= w_mid


def _gap(unit: Unit, other: Unit, u: float | None = None, w: float | None = None) -> float:
    """Free space between two units' footprints (the larger of the gaps along u and w); `unit` may be at (u, w)."""
    u = unit.u if u is None else u
    w = unit.w if w is None else w
    return max(abs(u - other.u) - unit.half_u - other.half_u, abs(w - other.w) - unit.half_w - other.half_w)


def _fmt(vector) -> str:
    return "(" + ", ".join(f"{c:.2f}" for c in vector) + ")"
