"""`Rollout`: body states sampled at the video frames, saved as npz beside the graph JSON."""

import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from fileio import OutputSet, Save, UserFileError, check_regular_file, read_text
from scenes.errors import SceneError
from scenes.graph import SceneGraph
from sim.errors import SimError

ROLLOUT_FILE, GRAPH_FILE = "rollout.npz", "graph.json"
MAX_GRAPH_BYTES = 16 * 2**20  # a graph of the most bodies a scene may have is well under 1 MiB
MAX_ROLLOUT_BYTES = 2**30  # 60 s of 100 bodies at 240 fps is under 200 MiB
PIECE_STATES = ("piece_positions", "piece_orientations", "piece_linear_velocity", "piece_angular_velocity")
PIECE_FIELDS = ("piece_parent", *PIECE_STATES, "breaks")  # a rollout file without them has no pieces
RENDER_FILES = ("frames.npz", "preview.mp4", "preview.gif")  # what `kinema render` adds to a rollout folder


@dataclass(frozen=True, eq=False)
class Rollout:
    """States at t = i / fps for i = 0..num_frames: one state past the last frame, so flow is defined on every frame.

    Bodies are in graph order (body k of segmentation maps is index k-1 here). Quaternions are xyzw.

    Breakable bodies add their pieces (`sim.fracture`), all of them from frame 0, grouped by body in graph order:
    glued in place (moving with their body) until it breaks, then each on its own. A piece's pose is its
    principal frame (origin at its centre of mass). `breaks` rows (frame, body k) give the first frame at which
    body k is in pieces; from then on its own row follows its pieces' centre of mass at the orientation it broke
    at, without spin. Pieces keep their body's segmentation id (sim.renderer).
    """

    fps: float
    step_hz: int
    body_ids: tuple[str, ...]
    positions: np.ndarray  # [T + 1, N, 3] float64, metres, world frame (Z up)
    orientations: np.ndarray  # [T + 1, N, 4] float64, xyzw
    linear_velocity: np.ndarray  # [T + 1, N, 3] float64, m/s
    angular_velocity: np.ndarray  # [T + 1, N, 3] float64, rad/s
    contacts: np.ndarray  # [C, 4] float64 rows (frame, body a, body b, normal force N); ids: 0 ground, k body k
    piece_parent: np.ndarray | None = None  # [P] int64 body k (1..N) each piece belongs to; None: no pieces
    piece_positions: np.ndarray | None = None  # [T + 1, P, 3] float64, metres: each piece's centre of mass
    piece_orientations: np.ndarray | None = None  # [T + 1, P, 4] float64, xyzw of its principal axes
    piece_linear_velocity: np.ndarray | None = None  # [T + 1, P, 3] float64, m/s
    piece_angular_velocity: np.ndarray | None = None  # [T + 1, P, 3] float64, rad/s
    breaks: np.ndarray | None = None  # [B, 2] int64 rows (first frame in pieces, body k)

    def __post_init__(self) -> None:
        """Rollouts without breakable bodies may leave the piece arrays out: they are made empty."""
        states = self.positions.shape[0]
        empty = {"piece_parent": np.zeros(0, dtype=np.int64), "breaks": np.zeros((0, 2), dtype=np.int64),
                 "piece_positions": np.zeros((states, 0, 3)), "piece_orientations": np.zeros((states, 0, 4)),
                 "piece_linear_velocity": np.zeros((states, 0, 3)), "piece_angular_velocity": np.zeros((states, 0, 3))}
        for name, value in empty.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)

    def broken_from(self, k: int) -> int | None:
        """The first frame at which body k (1..N) is in pieces; None if it never breaks."""
        rows = self.breaks[self.breaks[:, 1] == k]
        return int(rows[0, 0]) if len(rows) else None

    @property
    def num_frames(self) -> int:
        return self.positions.shape[0] - 1

    @property
    def times(self) -> np.ndarray:
        """[T + 1] seconds of each recorded state."""
        return np.arange(self.num_frames + 1) / self.fps

    def first(self, num_frames: int) -> "Rollout":
        """The rollout of frames 0..num_frames-1 only (states 0..num_frames, contacts up to frame num_frames)."""
        if not 1 <= num_frames <= self.num_frames:
            raise SimError(f"cannot keep {num_frames} of the rollout's {self.num_frames} frames")
        return Rollout(fps=self.fps, step_hz=self.step_hz, body_ids=self.body_ids,
                       positions=self.positions[:num_frames + 1], orientations=self.orientations[:num_frames + 1],
                       linear_velocity=self.linear_velocity[:num_frames + 1],
                       angular_velocity=self.angular_velocity[:num_frames + 1],
                       contacts=self.contacts[self.contacts[:, 0] <= num_frames], piece_parent=self.piece_parent,
                       **{name: getattr(self, name)[:num_frames + 1] for name in PIECE_STATES},
                       breaks=self.breaks[self.breaks[:, 0] <= num_frames])

    def __eq__(self, other: object) -> bool:
        """Bit-exact equality of every array and setting."""
        if not isinstance(other, Rollout):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return a == b


def rollout_folder_files(marker: Path) -> set[str]:
    """The files a rollout folder's old `marker` (graph.json) claims for kinema: all of a rollout folder's names
    when it holds a valid scene graph (it records no files), none otherwise; `OutputSet`'s `claims`."""
    try:
        SceneGraph.from_json(read_text(marker, MAX_GRAPH_BYTES, "scene graph"))
    except (UserFileError, SceneError):
        return set()
    return {ROLLOUT_FILE, GRAPH_FILE, *RENDER_FILES}


def rollout_outputs(folder: Path) -> OutputSet:
    """The output set of a rollout folder, checked now (make it before simulating, so a refusal costs no work).

    graph.json is the set's marker, renamed into place last, so a folder with a graph.json holds the rollout
    written with it. A render's files there (RENDER_FILES) were made from the old rollout and are removed; a
    file of these names in a folder without a scene graph is not kinema's and is refused.
    """
    return OutputSet(folder, [ROLLOUT_FILE, GRAPH_FILE], marker=GRAPH_FILE, stale=list(RENDER_FILES),
                     claims=rollout_folder_files)


def save_rollout(folder: Path, rollout: Rollout, graph: SceneGraph, outputs: OutputSet | None = None) -> Path:
    """Write `rollout.npz` and `graph.json` into `folder` as one set (`rollout_outputs`) and return the folder."""
    outputs = rollout_outputs(folder) if outputs is None else outputs
    with outputs:
        write_rollout(outputs.folder, rollout, graph, save=outputs.write)
        outputs.publish()
    return outputs.folder


def write_rollout(folder: Path, rollout: Rollout, graph: SceneGraph, save: Save) -> None:
    """Write `rollout.npz` and `graph.json` into `folder` through `save` (an `OutputSet`'s `write`)."""
    arrays = {f.name: getattr(rollout, f.name) for f in fields(rollout) if f.name != "body_ids"}
    arrays["body_ids"] = np.array(rollout.body_ids, dtype=str)

    def write_npz(path: Path) -> None:
        with open(path, "wb") as handle:
            np.savez_compressed(handle, **arrays)

    save(Path(folder) / ROLLOUT_FILE, write_npz)
    save(Path(folder) / GRAPH_FILE, lambda path: path.write_text(graph.to_json()))


def load_rollout(folder: Path) -> tuple[Rollout, SceneGraph]:
    """Read a folder written by `save_rollout`, checking that the rollout and the graph belong together."""
    folder = Path(folder)
    try:
        graph = SceneGraph.from_json(read_text(folder / GRAPH_FILE, MAX_GRAPH_BYTES, "scene graph"))
        with np.load(check_regular_file(folder / ROLLOUT_FILE, MAX_ROLLOUT_BYTES, "rollout"), allow_pickle=False) as data:
            loaded = {name: data[name] for name in data.files}
    except UserFileError as error:
        raise SimError(f"{error}; a rollout folder holds {ROLLOUT_FILE} and {GRAPH_FILE}") from None
    except (OSError, ValueError, zipfile.BadZipFile, SceneError) as error:
        raise SimError(f"cannot read the rollout in {folder}: {error}; simulate it again") from None
    expected = {f.name for f in fields(Rollout)}
    if set(loaded) not in (expected, expected - set(PIECE_FIELDS)):
        raise SimError(f"{folder / ROLLOUT_FILE} is not a kinema rollout (arrays {sorted(loaded)}); simulate it again")
    rollout = Rollout(
        fps=float(loaded["fps"]), step_hz=int(loaded["step_hz"]), body_ids=tuple(str(b) for b in loaded["body_ids"]),
        **{name: loaded[name] for name in ("positions", "orientations", "linear_velocity", "angular_velocity",
                                           "contacts", *PIECE_FIELDS) if name in loaded},
    )
    if list(rollout.body_ids) != graph.body_ids:
        raise SimError(f"{folder}: the rollout's bodies {list(rollout.body_ids)} do not match the graph's "
                       f"{graph.body_ids}; simulate the graph again")
    return rollout, graph
