"""Simulation against closed-form answers, and what `simulate` promises: determinism, events, rollout files.

Closed-form checks sample every physics step (fps = step_hz = 240). PyBullet multiplies the friction and the
restitution of two touching bodies, so where a check needs one body's value the other is given 1.
"""

import math
import subprocess
import sys

import numpy as np
import pytest
import trimesh

from scenes.bodies import colour, make_body
from scenes.geometry import quat_from_axis_angle, rotation_matrix
from scenes.graph import SceneGraph
from scenes.schema import Body, Event, Ground, Material, Settings
from scenes.script import LIBRARY_DIR, library_scripts, load_script, read_script
from sim import SimError, load_rollout, save_rollout, simulate
from sim.fracture import fracture
from sim.rollout import GRAPH_FILE, ROLLOUT_FILE
from sim.shapes import body_mesh
from sim.world import World

G = 9.81
FINE = 240  # fps of the closed-form checks: every physics step


def material(friction: float = 0.5, restitution: float = 0.0) -> Material:
    return Material(name="test", density=1000.0, friction=friction, restitution=restitution)


def scene(*bodies: Body, friction: float = 0.5, restitution: float = 0.0, gravity=(0.0, 0.0, -G)) -> SceneGraph:
    """A laid-out graph holding `bodies` as given, on a ground of the given material."""
    graph = SceneGraph(Ground(colour=colour("grey"), material=material(friction, restitution)),
                       settings=Settings(gravity=gravity, laid_out=True))
    for body in bodies:
        graph.add_body(body)
    return graph


def ball(body_id: str = "ball", radius: float = 0.1, mass: float = 1.0, **state) -> Body:
    return make_body(body_id, "ball", "red", size=(2 * radius,) * 3, mass=mass).model_copy(update=state)


def block(mu: float) -> Body:
    body = make_body("block", "block", "blue", size=(0.3, 0.3, 0.2), mass=2.0)
    return body.model_copy(update={"material": material(mu)})


def on_incline(theta: float, body: Body, ramp_friction: float) -> tuple[SceneGraph, np.ndarray]:
    """`body` at rest on a static 4 m ramp tilted by `theta`, and the unit vector pointing down the slope."""
    tilt = quat_from_axis_angle([0.0, 1.0, 0.0], -theta)  # local +x points uphill
    rotation = rotation_matrix(tilt)
    centre = np.array([0.0, 0.0, 2.0 * math.sin(theta) + 0.5])
    ramp = make_body("ramp", "plank", "brown", size=(4.0, 1.0, 0.1), static=True).model_copy(update={
        "position": tuple(centre), "orientation": tuple(tilt), "material": material(ramp_friction)})
    start = centre + rotation @ np.array([1.2, 0.0, 0.05 + body.size[2] / 2])
    body = body.model_copy(update={"position": tuple(start), "orientation": tuple(tilt)})
    return scene(ramp, body), -rotation[:, 0]


def slope_acceleration(rollout, k: int, down: np.ndarray, after: float = 0.1) -> float:
    """Acceleration of body index k along `down`, from a quadratic fit of its distance after `after` s."""
    distance = (rollout.positions[:, k] - rollout.positions[0, k]) @ down
    keep = rollout.times >= after
    return 2 * np.polyfit(rollout.times[keep], distance[keep], 2)[0]


def first_ground_contact(rollout) -> int:
    return int(rollout.contacts[rollout.contacts[:, 1] == 0][0, 0])


# --- closed-form answers ------------------------------------------------------------------------------
def test_free_fall_until_contact_at_sqrt_2h_over_g():
    height, radius = 1.0, 0.1
    rollout = simulate(scene(ball(radius=radius, position=(0.0, 0.0, radius + height))), seconds=0.6, fps=FINE)
    landing = first_ground_contact(rollout)
    assert abs(landing / FINE - math.sqrt(2 * height / G)) <= 1 / FINE
    t = rollout.times[:landing]
    # semi-implicit Euler lags h - g t^2 / 2 by g t dt / 2: 9.2 mm at the landing
    assert np.abs(rollout.positions[:landing, 0, 2] - (radius + height - G * t**2 / 2)).max() < 0.01


@pytest.mark.parametrize("restitution", [0.5, 0.8])
def test_bounce_apex_is_e_squared_of_the_drop(restitution):
    height, radius = 1.0, 0.1
    dropped = ball(radius=radius, position=(0.0, 0.0, radius + height), material=material(0.5, restitution))
    rollout = simulate(scene(dropped, restitution=restitution), seconds=1.6, fps=FINE)  # like on like: e
    apex = rollout.positions[first_ground_contact(rollout):, 0, 2].max() - radius
    assert apex / height == pytest.approx(restitution**2, rel=0.02)


def test_a_ball_rolls_down_an_incline_at_five_sevenths_g_sin_theta():
    theta = math.radians(20.0)
    graph, down = on_incline(theta, ball(material=material(0.8)), ramp_friction=0.5)
    rollout = simulate(graph, seconds=0.8, fps=FINE)
    # measured -2 %: the rolling resistance of sim/world.py, 0.01 * sqrt(0.5) / tan(theta)
    assert slope_acceleration(rollout, 1, down) == pytest.approx(5 / 7 * G * math.sin(theta), rel=0.03)
    speed, spin = np.linalg.norm(rollout.linear_velocity[-1, 1]), np.linalg.norm(rollout.angular_velocity[-1, 1])
    assert speed == pytest.approx(spin * 0.1, rel=0.01)  # rolling, not sliding


def test_a_block_slides_down_an_incline_at_g_sin_minus_mu_cos():
    theta, mu = math.radians(30.0), 0.2
    graph, down = on_incline(theta, block(mu), ramp_friction=mu)  # like on like: the pair's friction is mu
    rollout = simulate(graph, seconds=0.8, fps=FINE)
    expected = G * (math.sin(theta) - mu * math.cos(theta))
    assert slope_acceleration(rollout, 1, down) == pytest.approx(expected, rel=0.05)


def test_a_block_stays_on_an_incline_flatter_than_its_friction_angle():
    theta, mu = math.radians(15.0), 0.5  # tan(theta) = 0.27 < mu
    graph, down = on_incline(theta, block(mu), ramp_friction=mu)  # like on like: the pair's friction is mu
    rollout = simulate(graph, seconds=2.0, fps=FINE)
    assert np.linalg.norm(rollout.positions[-1, 1] - rollout.positions[0, 1]) < 0.002


def test_head_on_collision_conserves_momentum_and_follows_restitution():
    light = ball("light", radius=0.15, mass=1.0, position=(-1.0, 0.0, 1.0), linear_velocity=(2.0, 0.0, 0.0),
                 material=material(0.5, 0.5))
    heavy = ball("heavy", radius=0.15, mass=3.0, position=(1.0, 0.0, 1.0), linear_velocity=(-1.0, 0.0, 0.0),
                 material=material(0.5, 0.5))
    rollout = simulate(scene(light, heavy, gravity=(0.0, 0.0, 0.0)), seconds=1.5, fps=FINE)
    momentum = np.einsum("n,tnc->tc", [1.0, 3.0], rollout.linear_velocity)  # [T + 1, 3]
    assert np.abs(momentum - momentum[0]).max() <= 0.02 * np.linalg.norm(momentum[0])
    closing = rollout.linear_velocity[:, 0, 0] - rollout.linear_velocity[:, 1, 0]
    assert closing[-1] == pytest.approx(-0.5 * closing[0], rel=0.02)  # like on like: e = 0.5


def test_contacts_carry_the_weight_of_a_resting_box():
    box = make_body("box", "box", "blue", size=(0.4, 0.4, 0.4), mass=5.0).model_copy(update={"position": (0, 0, 0.2)})
    rollout = simulate(scene(box), seconds=2.0, fps=8)
    resting = rollout.contacts[rollout.contacts[:, 0] >= 8]
    assert resting[:, 1:3].tolist() == [[0.0, 1.0]] * 9  # only the ground touches the box, every frame
    # PyBullet's reported normal force with split impulse reads ~11 % high (measured 54.4 N for 49.05 N)
    assert resting[:, 3].mean() == pytest.approx(5.0 * G, rel=0.15)
    assert rollout.contacts[rollout.contacts[:, 0] == 0].size == 0


# --- events and arguments --------------------------------------------------------------------------------
def test_events_change_velocity_by_impulse_over_mass_at_their_frame():
    floating = ball(mass=2.0, position=(0.0, 0.0, 1.0), linear_velocity=(0.5, 0.0, 0.0))
    graph = scene(floating, gravity=(0.0, 0.0, 0.0))  # events count frames at the graph's 8 fps
    graph.add_event(Event(frame=3, body="ball", impulse=(1.0, -2.0, 4.0), angular_impulse=(0.0, 0.02, 0.0)))
    rollout = simulate(graph, seconds=1.0, fps=FINE)
    step = 3 * FINE // 8
    velocity, spin = rollout.linear_velocity[:, 0], rollout.angular_velocity[:, 0]
    assert np.array_equal(velocity[step - 1], [0.5, 0.0, 0.0]) and not spin[step - 1].any()
    assert np.array_equal(velocity[step], np.array([0.5, 0.0, 0.0]) + np.array([1.0, -2.0, 4.0]) / 2.0)
    assert spin[step] == pytest.approx([0.0, 0.02 / (0.4 * 2.0 * 0.1**2), 0.0], rel=1e-9)  # I = 2/5 m r^2


def test_an_event_on_a_static_body_is_refused():
    graph = scene(ball(static=True, position=(0.0, 0.0, 0.1)))
    graph.add_event(Event(frame=1, body="ball", impulse=(1.0, 0.0, 0.0)))
    with pytest.raises(SimError, match="static"):
        simulate(graph, seconds=1.0)


@pytest.mark.parametrize("arguments", [{"fps": 7}, {"step_hz": 100}, {"step_hz": 0}, {"seconds": 0.0},
                                       {"seconds": 61.0}])
def test_impossible_timing_is_a_sim_error(arguments):
    with pytest.raises(SimError) as caught:
        simulate(scene(ball(position=(0.0, 0.0, 0.1))), **({"seconds": 1.0} | arguments))
    assert "\n" not in str(caught.value)


def test_a_graph_not_laid_out_is_laid_out_on_a_copy():
    path = LIBRARY_DIR / "two_balls_collide.yaml"
    raw = read_script(path)
    assert simulate(raw, seconds=0.5) == simulate(load_script(path), seconds=0.5)
    assert not raw.settings.laid_out


# --- determinism and files ---------------------------------------------------------------------------------
def test_simulation_is_bit_identical_across_runs():
    graph = load_script(LIBRARY_DIR / "many_objects_settle.yaml")
    assert simulate(graph, seconds=2.0) == simulate(graph, seconds=2.0)


def test_simulation_is_bit_identical_across_processes():
    digest = ("import hashlib; from scenes.script import LIBRARY_DIR, load_script; from sim import simulate; "
              "r = simulate(load_script(LIBRARY_DIR / 'many_objects_settle.yaml'), seconds=2.0); "
              "arrays = (r.positions, r.orientations, r.linear_velocity, r.contacts); "
              "print(hashlib.sha256(b''.join(a.tobytes() for a in arrays)).hexdigest())")
    outputs = {subprocess.run([sys.executable, "-c", digest], capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout for seed in ("1", "2")}
    assert len(outputs) == 1


def test_worlds_side_by_side_do_not_disturb_each_other():
    dominoes, pile = (load_script(LIBRARY_DIR / f"{name}.yaml") for name in ("dominoes", "many_objects_settle"))
    alone = simulate(dominoes, seconds=1.0, fps=FINE)
    with World(dominoes) as first, World(pile) as second, World(dominoes) as third:
        states = []
        for _ in range(FINE + 1):
            states.append((first.state().positions, third.state().positions))
            for world in (first, second, third):
                world.step()
    assert np.array_equal(np.stack([a for a, _ in states]), alone.positions)
    assert np.array_equal(np.stack([b for _, b in states]), alone.positions)


def test_rollout_files_round_trip_bit_exactly(tmp_path):
    graph = load_script(LIBRARY_DIR / "tower_topple.yaml")
    rollout = simulate(graph, seconds=1.0)
    loaded, loaded_graph = load_rollout(save_rollout(tmp_path, rollout, graph))
    assert loaded == rollout and loaded_graph == graph


def test_corrupt_or_mismatched_rollout_files_are_sim_errors(tmp_path):
    graph = load_script(LIBRARY_DIR / "two_balls_collide.yaml")
    save_rollout(tmp_path, simulate(graph, seconds=0.5), graph)
    other = load_script(LIBRARY_DIR / "tower_topple.yaml")
    (tmp_path / GRAPH_FILE).write_text(other.to_json())
    with pytest.raises(SimError, match="do not match"):
        load_rollout(tmp_path)
    (tmp_path / ROLLOUT_FILE).write_bytes(b"not a zip file")
    with pytest.raises(SimError, match="cannot read"):
        load_rollout(tmp_path)
    np.savez(tmp_path / ROLLOUT_FILE, positions=np.zeros((2, 1, 3)))
    with pytest.raises(SimError, match="not a kinema rollout"):
        load_rollout(tmp_path)
    (tmp_path / GRAPH_FILE).unlink()
    with pytest.raises(SimError, match="no scene graph at .*graph.json; check the path; a rollout folder holds"):
        load_rollout(tmp_path)
    (tmp_path / GRAPH_FILE).symlink_to("/dev/zero")  # read bounded: refused, not read until memory runs out
    with pytest.raises(SimError, match="graph.json is not a regular file"):
        load_rollout(tmp_path)


# --- the library -------------------------------------------------------------------------------------------
def surface_points(body: Body) -> np.ndarray:
    """[P, 3] points of the body's surface in its frame, dense enough to find its lowest point to ~1 mm."""
    x, y, z = body.size
    if body.shape == "sphere":
        return trimesh.creation.icosphere(subdivisions=4, radius=x / 2).vertices
    if body.shape == "box":
        return trimesh.creation.box(extents=(x, y, z)).vertices
    if body.shape == "cylinder":
        return trimesh.creation.cylinder(radius=x / 2, height=z, sections=64).vertices
    if body.shape == "capsule":
        return trimesh.creation.capsule(height=max(z - x, 0.0), radius=x / 2, count=[32, 32]).vertices
    return body_mesh(body).vertices


def lowest_points(graph: SceneGraph, rollout) -> np.ndarray:
    """[T + 1, N] height of each body's lowest surface point, or once it broke its lowest piece's (static bodies:
    +inf)."""
    lowest = np.full(rollout.positions.shape[:2], np.inf)
    for k, body in enumerate(graph.bodies):
        if body.static or body.shape == "plane":
            continue
        points = surface_points(body)
        for i, (position, orientation) in enumerate(zip(rollout.positions[:, k], rollout.orientations[:, k])):
            lowest[i, k] = (points @ rotation_matrix(orientation)[2] + position[2]).min()
        broken = rollout.broken_from(k + 1)
        if broken is not None:
            lowest[broken:, k] = _lowest_piece(graph, rollout, k + 1)[broken:]
    return lowest


def _lowest_piece(graph: SceneGraph, rollout, k: int) -> np.ndarray:
    """[T + 1] height of the lowest point of breakable body k's pieces (k = 1..N)."""
    pieces = fracture(graph.bodies[k - 1], graph.settings.seed, k).pieces
    rows = np.flatnonzero(rollout.piece_parent == k)
    lowest = np.full(rollout.positions.shape[0], np.inf)
    for piece, row in zip(pieces, rows):
        local = piece.mass.local(piece.mesh.vertices)  # [V, 3] in the piece's frame
        for i, (position, orientation) in enumerate(zip(rollout.piece_positions[:, row],
                                                        rollout.piece_orientations[:, row])):
            lowest[i] = min(lowest[i], (local @ rotation_matrix(orientation)[2] + position[2]).min())
    return lowest


@pytest.mark.parametrize("path", library_scripts(), ids=lambda path: path.stem)
def test_library_scenes_simulate_without_nan_or_sinking(path):
    # A body landing at speed v overlaps the ground by up to v / step_hz before contact pushes it out: at
    # 240 Hz a piece of many_objects_settle landing at 6.7 m/s shows 13 mm in a frame; at 480 Hz, 3 mm.
    graph = load_script(path)
    rollout = simulate(graph, seconds=1.0, step_hz=480)
    assert np.isfinite(rollout.positions).all() and np.isfinite(rollout.linear_velocity).all()
    assert lowest_points(graph, rollout).min() > -0.01


def test_the_tower_falls():
    graph = load_script(LIBRARY_DIR / "tower_topple.yaml")
    rollout = simulate(graph)
    top = graph.body_ids.index("cube_5")
    assert rollout.positions[0, top, 2] > 1.0 and rollout.positions[-1, top, 2] < 0.3


def test_every_domino_falls():
    rollout = simulate(load_script(LIBRARY_DIR / "dominoes.yaml"))
    tilts = [math.degrees(math.acos(np.clip(rotation_matrix(q)[2, 2], -1.0, 1.0))) for q in rollout.orientations[-1]]
    assert min(tilts) > 45.0


@pytest.mark.parametrize("static_bowl", [True, False])
def test_a_ball_stays_in_a_bowl(static_bowl):
    graph = read_script(LIBRARY_DIR / "ball_in_bowl.yaml")
    graph.replace_body(graph.body("bowl").model_copy(update={"static": static_bowl}))
    rollout = simulate(graph)
    bowl, ball_ = graph.body("bowl"), graph.body("ball")
    offset = rollout.positions[:, 1] - rollout.positions[:, 0]  # [T + 1, 3] ball from the bowl's centre
    assert np.linalg.norm(offset[:, :2], axis=1).max() < bowl.size[0] / 2 - ball_.size[0] / 2
    assert offset[:, 2].max() < bowl.size[2] / 2
    assert np.abs(rollout.linear_velocity).max() <= 1.0  # nothing explodes: the ball starts at 0.8 m/s


def test_a_diverging_simulation_is_a_sim_error_not_nan():
    # A mass of 1e-320 kg is positive, but its inverse overflows to inf: the first step makes the state NaN.
    graph = scene(ball(position=(0.0, 0.0, 1.0)), ball("dust", mass=1e-320, position=(1.0, 0.0, 1.0)))
    with pytest.raises(SimError, match=r"^the simulation diverged at frame 1 \(body dust\): "):
        simulate(graph, seconds=1.0)


@pytest.mark.parametrize("impulse, what", [
    ({"impulse": (1e14, 0.0, 0.0)}, r"its speed reached 2\.39e\+13 m/s \(the bound is 10000 m/s\)"),
    ({"angular_impulse": (0.0, 1e14, 0.0)}, r"its spin reached .* rad/s \(the bound is 1e\+06 rad/s\)"),
])
def test_a_body_flung_past_any_physical_speed_is_divergence_not_a_rollout(impulse, what):
    # The schema allows impulses up to 1e15 N*s; on a 4.19 kg ball that is 2.4e13 m/s, finite but absurd.
    graph = scene(ball(position=(0.0, 0.0, 1.0), mass=4.19))
    graph.add_event(Event(frame=1, body="ball", **impulse))
    with pytest.raises(SimError, match=rf"^the simulation diverged at frame 1 \(body ball\): {what}; give it"):
        simulate(graph, seconds=1.0)


def test_a_clip_shorter_than_one_frame_is_refused_before_simulating():
    with pytest.raises(SimError) as caught:
        simulate(scene(ball(position=(0.0, 0.0, 0.1))), seconds=0.001)
    assert str(caught.value) == "0.001 s at 8 fps is less than one frame; ask for at least 0.125 s"
    assert simulate(scene(ball(position=(0.0, 0.0, 0.1))), seconds=0.125).num_frames == 1


def test_an_fps_that_does_not_divide_the_physics_rate_gets_fps_advice():
    with pytest.raises(SimError) as caught:
        simulate(scene(ball(position=(0.0, 0.0, 0.1))), seconds=1.0, fps=7)
    message = str(caught.value)
    assert "step_hz" not in message  # not a CLI option: the advice names frame rates a user can pass
    assert "use fps 8, the nearest that does, or another of 1, 2, 3, 4, 5, 6, 8, 10, 12, 15," in message
