"""Breakable bodies: pieces that partition the body, momentum carried across the break, drops that break a glass
only when they should, and pieces rendered, segmented and flowing as parts of their body."""

import numpy as np
import pytest
from scipy import ndimage

from handmade import body, scene
from scenes.schema import Body, Breakable
from scenes.parser import parse_prompt
from sim import render, simulate
from sim.bullet import p
from sim.fracture import fracture, mass_properties
from sim.meshes import solid_mesh
from sim.rollout import load_rollout, save_rollout
from sim.transforms import pose_matrices, rotation_matrices
from sim.world import World
from test_flow import warp_back


def breakable(noun: str, material: str, height: float = 0.0, pieces: int = 16, colour: str = "cyan"):
    made = body(noun, noun, colour, (0.0, 0.0, 0.0), material_name=material)
    return made.model_copy(update={"position": (0.0, 0.0, height + made.size[2] / 2),
                                   "breakable": Breakable(pieces=pieces)})


def dropped(noun: str, material: str, height: float, seconds: float = 1.5, fps: int = 24, colour: str = "cyan",
            **camera):
    graph = scene([breakable(noun, material, height, colour=colour)], **camera)
    graph.settings.laid_out = True
    return graph, simulate(graph, seconds=seconds, fps=fps)


@pytest.mark.parametrize("noun, material", [("glass", "glass"), ("vase", "ceramic"), ("plate", "ceramic"),
                                            ("ball", "glass"), ("window_pane", "glass"), ("bottle", "glass")])
def test_pieces_partition_the_body_their_masses_volumes_and_moments_sum_to_its(noun, material):
    made = breakable(noun, material)
    pieces = fracture(made, 0, 1).pieces
    solid = solid_mesh(made)
    whole = mass_properties(solid, made.mass / solid.volume)  # the body's own, from its triangles
    assert len(pieces) >= 10
    assert sum(piece.volume for piece in pieces) == pytest.approx(solid.volume, rel=1e-9)
    assert sum(piece.mass.mass for piece in pieces) == pytest.approx(made.mass, rel=1e-12)
    centre = sum(piece.mass.mass * piece.mass.centre for piece in pieces) / made.mass
    assert np.allclose(centre, whole.centre, atol=1e-9)
    combined = fracture(made, 0, 1).whole
    assert np.allclose(combined.inertia(), whole.inertia(), rtol=1e-7, atol=1e-12)


def test_pieces_are_seeded_by_the_scene_and_cached():
    made = breakable("vase", "glass")
    first, again, other = fracture(made, 3, 1), fracture(made, 3, 1), fracture(made, 4, 1)
    assert np.array_equal(first.pieces[0].mesh.vertices, again.pieces[0].mesh.vertices)
    assert not np.array_equal(first.pieces[0].mesh.vertices, other.pieces[0].mesh.vertices)
    assert first.parts_file.is_file()


def intact_momentum(world: World, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Linear [3] and angular momentum about the origin [3] of intact breakable body k (1..N), from its state in
    the body's own frame and its exact mass properties."""
    whole = world.breakables[k].fracture.whole
    state = world.state()
    rotation = rotation_matrices(state.orientations[k - 1])
    centre = state.positions[k - 1] + rotation @ whole.centre
    spin = state.angular_velocity[k - 1]
    velocity = state.linear_velocity[k - 1] + np.cross(spin, centre - state.positions[k - 1])
    axes = rotation @ whole.axes
    return whole.mass * velocity, whole.mass * np.cross(centre, velocity) + axes @ np.diag(whole.moments) @ axes.T @ spin


def pieces_momentum(world: World, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Linear [3] and angular momentum about the origin [3] of the pieces of broken body k (1..N)."""
    pieces = world.breakables[k].fracture.pieces
    start = sum(len(other.fracture.pieces) for j, other in world.breakables.items() if j < k)  # pieces go by body
    rows = slice(start, start + len(pieces))
    state = world.state()
    masses = np.array([piece.mass.mass for piece in pieces])  # [P]
    rotations = rotation_matrices(state.piece_orientations[rows])  # [P, 3, 3]
    spin = np.einsum("pij,pj,pkj,pk->pi", rotations, np.array([piece.mass.moments for piece in pieces]), rotations,
                     state.piece_angular_velocity[rows])  # R I R^T w
    linear, positions = state.piece_linear_velocity[rows], state.piece_positions[rows]
    return masses @ linear, (masses[:, None] * np.cross(positions, linear)).sum(0) + spin.sum(0)


def test_linear_and_angular_momentum_carry_across_the_break_to_rounding():
    made = breakable("vase", "glass", height=2.0).model_copy(
        update={"linear_velocity": (1.5, -0.5, 2.0), "angular_velocity": (3.0, -7.0, 11.0),
                "orientation": (0.2, 0.1, 0.3, 0.9273618495495704)})
    graph = scene([made])
    graph.settings.gravity = (0.0, 0.0, 0.0)
    with World(graph) as world:
        for _ in range(5):
            world.step()
        uid = world.ids[1]
        assert p.getDynamicsInfo(uid, -1, physicsClientId=world.client)[0] == pytest.approx(made.mass)
        linear_before, angular_before = intact_momentum(world, 1)
        world.shatter(1)
        pieces = world.breakables[1].fracture.pieces
        for piece, piece_uid in zip(pieces, world.breakables[1].pieces):  # PyBullet holds the same mass properties
            mass, _, inertia = p.getDynamicsInfo(piece_uid, -1, physicsClientId=world.client)[:3]
            assert mass == pytest.approx(piece.mass.mass) and np.allclose(inertia, piece.mass.moments, rtol=1e-6)
        # At the break, then a step later in free flight (Bullet's implicit gyroscopic step keeps the angular
        # momentum of a tumbling body only to about 1e-6).
        for angular_tolerance in (1e-9, 1e-5):
            linear, angular = pieces_momentum(world, 1)
            assert np.linalg.norm(linear - linear_before) <= 1e-12 * np.linalg.norm(linear_before)
            assert np.linalg.norm(angular - angular_before) <= angular_tolerance * np.linalg.norm(angular_before)
            world.step()


def test_a_glass_dropped_2_cm_stays_whole_and_from_1_5_m_onto_stone_it_breaks():
    _, gentle = dropped("glass", "glass", 0.02)
    assert gentle.breaks.shape == (0, 2)
    graph, hard = dropped("glass", "glass", 1.5)
    assert hard.breaks.shape == (1, 2) and hard.breaks[0, 1] == 1
    frame = hard.breaks[0, 0]
    fall = np.sqrt(2 * 1.5 / 9.81) * hard.fps  # frames until it reaches the floor
    assert fall <= frame <= fall + 1
    pieces = hard.piece_positions
    assert np.ptp(pieces[frame - 1, :, :2], axis=0).max() < graph.bodies[0].size[0]  # glued before the break
    assert np.ptp(pieces[-1, :, :2], axis=0).max() > 3 * graph.bodies[0].size[0]  # spread over the floor after
    assert pieces[-1, :, 2].max() < 0.2  # all down, or nearly


def test_a_breakable_rollout_is_bit_exact_and_saves_with_its_pieces(tmp_path):
    graph, first = dropped("plate", "ceramic", 1.0, seconds=1.0)
    _, again = dropped("plate", "ceramic", 1.0, seconds=1.0)
    assert first == again and len(first.breaks) == 1
    loaded, _ = load_rollout(save_rollout(tmp_path / "run", first, graph))
    assert loaded == first
    kept = first.first(first.breaks[0, 0] - 1)
    assert kept.breaks.shape == (0, 2) and kept.piece_positions.shape[0] == first.breaks[0, 0]


def test_bodies_that_cannot_break_are_refused_with_the_reason():
    ball = body("ball", "ball", "red", (0.0, 0.0, 0.1), material_name="rubber").model_dump()
    with pytest.raises(ValueError, match="rubber does not break"):
        Body.model_validate(ball | {"breakable": {"pieces": 8}})
    assert Body.model_validate(ball | {"breakable": {"pieces": 8, "threshold": 20.0}}).break_threshold == 20.0
    tile = body("tile", "tile", "red", (0.0, 0.0, 0.0), material_name="ceramic").model_dump()
    with pytest.raises(ValueError, match="plane has no volume"):
        Body.model_validate(tile | {"shape": "plane", "size": (0.3, 0.3, 0.0), "breakable": {}})


@pytest.fixture(scope="module")
def shattering():
    graph, rollout = dropped("vase", "glass", 0.75, seconds=1.25, eye=(0.0, -1.4, 0.6), look_at=(0.0, 0.0, 0.1),
                             colour="red")
    return graph, rollout, render(rollout, graph, size=128)


def test_every_piece_draws_its_body_id_and_colour(shattering):
    graph, rollout, frames = shattering
    assert set(np.unique(frames.segmentation)) == {0, 1}
    broken = rollout.breaks[0, 0]
    before = frames.rgb[broken - 2][frames.segmentation[broken - 2] == 1].mean(axis=0)
    after = frames.rgb[-1][frames.segmentation[-1] == 1].mean(axis=0)
    assert before.argmax() == after.argmax() == 0  # red, whole and in pieces
    labels, count = ndimage.label(frames.segmentation[-1] == 1)
    assert count >= 5  # pieces apart on the floor, all under the body's id


def _inside_pieces(pieces: np.ndarray) -> np.ndarray:
    """[H, W] bool: pixels of a piece whose four neighbours show the same piece (edges round either way)."""
    padded = np.pad(pieces, 1)
    same = [padded[1 + dy:padded.shape[0] - 1 + dy, 1 + dx:padded.shape[1] - 1 + dx] == pieces
            for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1))]
    return (pieces > 0) & np.logical_and.reduce(same)


def test_flow_follows_each_piece_across_the_break(shattering):
    """Each piece's pixels move as that piece's own rigid motion in the rollout projects them, through the break
    and while the pieces tumble, and land on the same piece where it is in view; the whole body's texture warps
    onto itself as it falls (tumbling shards change shading, so colour is only compared before the break)."""
    _, rollout, frames = shattering
    broken = rollout.breaks[0, 0]
    assert frames.pieces.max() == len(rollout.piece_parent) and (frames.pieces[-1] > 0).sum() > 100
    points = frames.world_points()  # [T, H, W, 3]
    checked = 0
    for t in range(frames.num_frames - 1):
        rows, columns = np.nonzero(frames.valid_flow[t] & _inside_pieces(frames.pieces[t]))
        if len(rows) < 30:  # the body is above the view in the first frames
            continue
        piece = frames.pieces[t][rows, columns] - 1  # [M]
        start = pose_matrices(rollout.piece_positions[t, piece], rollout.piece_orientations[t, piece])
        end = pose_matrices(rollout.piece_positions[t + 1, piece], rollout.piece_orientations[t + 1, piece])
        world = np.concatenate([points[t][rows, columns], np.ones((len(rows), 1))], axis=1)  # [M, 4]
        moved = np.einsum("mij,mjk,mk->mi", end, np.linalg.inv(start), world)  # [M, 4]
        camera = moved @ np.linalg.inv(frames.world_from_camera[t + 1]).T  # [M, 4] OpenGL camera t + 1
        k = frames.intrinsics[t + 1]
        u = k[0, 2] + k[0, 0] * camera[:, 0] / -camera[:, 2]
        v = k[1, 2] - k[1, 1] * camera[:, 1] / -camera[:, 2]
        expected = np.stack([u - columns - 0.5, v - rows - 0.5], axis=1)  # [M, 2]
        assert np.abs(frames.flow[t][rows, columns] - expected).max() < 0.05, t
        landing_rows, landing_columns = np.floor(v).astype(int), np.floor(u).astype(int)
        seen = np.abs(frames.depth[t + 1][landing_rows, landing_columns] + camera[:, 2]) < 0.003  # not hidden
        landing = frames.pieces[t + 1][landing_rows, landing_columns][seen]
        assert seen.sum() >= 10 and (landing == piece[seen] + 1).mean() > 0.9, t
        checked += t >= broken - 1
        if t < broken - 1:
            on_body = ndimage.binary_erosion(frames.segmentation[t] == 1, iterations=1) & frames.valid_flow[t]
            frame = frames.rgb[t].astype(float)
            error = np.abs(warp_back(frames.rgb[t + 1], frames.flow[t]) - frame)[on_body].mean() / 255
            unwarped = np.abs(frames.rgb[t + 1] - frame)[on_body].mean() / 255
            assert error < 0.01 and error < unwarped / 4, (t, error, unwarped)
    assert checked >= 10  # frames across and after the break


@pytest.mark.parametrize("seed", [0, 1])
def test_a_vase_that_falls_off_a_table_breaks_only_when_it_hits_the_floor(seed):
    graph = parse_prompt("a glass vase falls off a table and shatters on the floor", seed=seed)
    rollout = simulate(graph)
    k = next(k for k, b in enumerate(graph.bodies, 1) if b.noun == "vase")
    table = next(b for b in graph.bodies if b.noun == "table")
    frame = rollout.broken_from(k)
    assert frame is not None and len(rollout.breaks) == 1
    bottom = rollout.positions[:frame, k - 1, 2] - graph.bodies[k - 1].size[2] / 2  # [frame] until the break
    assert bottom[0] == pytest.approx(table.size[2], abs=0.01)  # it started on the table, whole
    assert bottom[-1] < 0.5 * table.size[2]  # and was near the floor, under the table top, when it broke
    assert rollout.piece_positions[-1, :, 2].max() < 0.1  # its pieces lie on the floor
