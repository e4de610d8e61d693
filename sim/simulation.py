"""`simulate`: step a scene graph's world and record a `Rollout` at every video frame."""

from collections import defaultdict

import numpy as np
from tqdm import tqdm

from scenes.graph import SceneGraph
from scenes.layout import lay_out
from scenes.schema import MAX_ANGULAR_VELOCITY, MAX_VELOCITY, Body, too_short_for_a_frame
from scenes.seeding import scene_rng
from sim.errors import SimError
from sim.rollout import Rollout
from sim.world import State, World, is_static

MAX_SECONDS = 60.0
STEP_HZ = 240  # physics steps a second unless a caller asks for another rate; a video's fps must divide it
# Speeds no scene reaches: ten times what the schema lets a body start with. A body past them was flung by an
# impulse or a contact the solver could not resolve; its rollout would be nonsense, not physics.
MAX_SPEED = 10 * MAX_VELOCITY  # m/s
MAX_SPIN = 10 * MAX_ANGULAR_VELOCITY  # rad/s


def simulate(graph: SceneGraph, seconds: float | None = None, fps: float | None = None, step_hz: int = STEP_HZ,
             seed: int = 0, progress: bool = False) -> Rollout:
    """States at t = i / fps for i = 0..round(seconds * fps), stepping PyBullet at `step_hz`.

    `seconds` and `fps` default to the graph's settings. A graph not yet laid out is laid out on a copy with
    its own layout seed. Events (frames counted at the graph's fps) act at the physics step nearest their
    time, before that step's state is recorded. Contacts of frame i hold each touching pair's normal force
    averaged over the physics steps since frame i - 1 (frame 0 has none), as PyBullet reports it: with split
    impulse its contact points flicker between 3 and 4 and a resting box reads about 11 % over its weight.
    A clip shorter than one frame is refused before any work. A state that is no longer finite, or a body
    faster than MAX_SPEED or spinning faster than MAX_SPIN (the physics diverged), is a SimError naming the
    frame and the body, never NaN or an absurd rollout. Breakable bodies break where an impact passes their
    threshold (`sim.breakage`); the rollout records their pieces from frame 0 and when each body broke. The
    same inputs give a bit-identical rollout. `seed`
    has no effect: nothing here draws random numbers; it is kept so callers pass one seed through every stage.
    """
    seconds = graph.settings.duration if seconds is None else float(seconds)
    fps = graph.settings.fps if fps is None else fps
    substeps = physics_substeps(seconds, fps, step_hz)
    if not graph.settings.laid_out:
        graph = lay_out(SceneGraph.from_dict(graph.to_dict()), scene_rng(graph.settings.seed, "layout"))
    num_frames = round(seconds * fps)
    last = num_frames * substeps
    events = _events_by_step(graph, step_hz)
    held = _holds(graph, step_hz)
    states, contacts = [], []
    forces: dict[tuple[float, float], float] = defaultdict(float)  # (body a, body b) -> summed normal force
    with World(graph, step_hz) as world, \
            tqdm(total=num_frames + 1, desc="simulating", unit="frame", disable=not progress) as bar:
        for step in range(last + 1):
            for k, (until, body) in held.items():
                if step <= until:  # before the state is read: held exactly where it started, let go after
                    world.hold(k, body.position, body.orientation)
            for k, impulse, angular_impulse in events.get(step, ()):
                world.apply_impulse(k, impulse, angular_impulse)
            if step % substeps == 0:
                frame = step // substeps
                states.append(_sane(world.state(), frame, graph))
                contacts += [(frame, a, b, total / substeps) for (a, b), total in sorted(forces.items())]
                forces.clear()
                bar.update()
            if step < last:
                world.step()
                for a, b, force in world.contacts():  # [C, 3] rows (body a, body b, normal force)
                    forces[a, b] += force
        piece_parent = np.array([k for k, breakable in world.breakables.items() for _ in breakable.fracture.pieces],
                                dtype=np.int64)
        breaks = np.array([(-(-(step + 1) // substeps), k) for step, k in world.breaks],
                          dtype=np.int64).reshape(-1, 2)  # the first frame each body is in pieces
    stacked = {name: np.stack([getattr(s, name) for s in states]) for name in State.__dataclass_fields__}
    return Rollout(
        fps=float(fps), step_hz=int(step_hz), body_ids=tuple(graph.body_ids),
        contacts=np.array(contacts, dtype=float).reshape(-1, 4), piece_parent=piece_parent, breaks=breaks, **stacked)


def physics_substeps(seconds: float, fps: float, step_hz: int) -> int:
    """Physics steps per video frame, after checking the timing arguments (the one place they are checked)."""
    if not 0 < seconds <= MAX_SECONDS:
        raise SimError(f"seconds must be more than 0 and at most {MAX_SECONDS:g}, got {seconds:g}")
    if not (isinstance(step_hz, (int, np.integer)) and step_hz > 0 and fps > 0):
        raise SimError(f"step_hz ({step_hz!r}) must be a positive whole number and fps ({fps!r}) positive")
    too_short = too_short_for_a_frame(seconds, fps)
    if too_short:
        raise SimError(too_short)
    substeps = step_hz / fps
    if substeps != round(substeps):
        rates = [rate for rate in range(1, step_hz + 1) if step_hz % rate == 0]
        nearest = min(rates, key=lambda rate: (abs(rate - fps), -rate))
        raise SimError(f"fps {fps:g} does not divide the physics rate of {step_hz} steps a second; use fps "
                       f"{nearest}, the nearest that does, or another of {', '.join(map(str, rates))}")
    return round(substeps)


def _sane(state: State, frame: int, graph: SceneGraph) -> State:
    """`state` if every number in it is finite and every body slower than the bounds; else an error naming the
    first body that diverged."""
    arrays = (state.positions, state.orientations, state.linear_velocity, state.angular_velocity)
    finite = np.logical_and.reduce([np.isfinite(array).all(axis=1) for array in arrays])  # [N] per body
    pieces = (state.piece_positions, state.piece_orientations, state.piece_linear_velocity,
              state.piece_angular_velocity)
    if not all(np.isfinite(array).all() for array in pieces) or \
            np.linalg.norm(state.piece_linear_velocity, axis=1).max(initial=0.0) > MAX_SPEED:
        raise SimError(f"the simulation diverged at frame {frame}: a broken body's pieces flew apart faster than "
                       f"{MAX_SPEED:g} m/s; give the breakable body fewer pieces or a softer impact")
    speed = np.linalg.norm(state.linear_velocity, axis=1)  # [N]
    spin = np.linalg.norm(state.angular_velocity, axis=1)  # [N]
    sane = finite & (speed <= MAX_SPEED) & (spin <= MAX_SPIN)  # NaN compares False: not sane
    if not sane.all():
        k = int(np.argmin(sane))
        what = "its state is no longer finite" if not finite[k] else \
            f"its speed reached {speed[k]:.3g} m/s (the bound is {MAX_SPEED:g} m/s)" if speed[k] > MAX_SPEED else \
            f"its spin reached {spin[k]:.3g} rad/s (the bound is {MAX_SPIN:g} rad/s)"
        raise SimError(f"the simulation diverged at frame {frame} (body {graph.body_ids[k]}): {what}; "
                       "give it a smaller speed, impulse or spin, or a mass and size nearer its neighbours'")
    return state


def _holds(graph: SceneGraph, step_hz: int) -> dict[int, tuple[int, Body]]:
    """Body index 1..N -> (the physics step it is let go at, its record) for bodies held until a release."""
    index = {body_id: k for k, body_id in enumerate(graph.body_ids, 1)}
    return {index[event.body]: (round(event.frame / graph.settings.fps * step_hz), graph.body(event.body))
            for event in graph.events if event.release}


def _events_by_step(graph: SceneGraph, step_hz: int) -> dict[int, list[tuple[int, tuple, tuple]]]:
    """Physics step -> (body index 1..N, impulse, angular impulse) of the events acting then."""
    index = {body_id: k for k, body_id in enumerate(graph.body_ids, 1)}
    events: dict[int, list[tuple[int, tuple, tuple]]] = defaultdict(list)
    for event in graph.events:
        if is_static(graph.body(event.body)):
            raise SimError(f"the event at frame {event.frame} pushes {event.body}, which is static; "
                           f"make it dynamic or remove the event")
        step = round(event.frame / graph.settings.fps * step_hz)
        events[step].append((index[event.body], event.impulse, event.angular_impulse))
    return events
