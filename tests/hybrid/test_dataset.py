"""Dataset shards: determined by their arguments (identical bytes), partitioned without gaps, read lazily."""

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest

from dit.train import collate
from fileio import UserFileError
from hybrid.cli import main
from hybrid.dataset import DatasetSpec, ShardDataset, shard_clips, write_shard
from hybrid.npz import save_npz
from scenes.errors import SceneError
from scenes.seeding import MAX_SEED
from sim.errors import SimError

SPEC = DatasetSpec(seed=3, clips=3, size=16, frames=4, fps=8)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_shards_partition_the_clips():
    covered = [c for index in range(4) for c in shard_clips(10, index, 4)]
    assert covered == list(range(10))
    with pytest.raises(SimError, match="impossible"):
        shard_clips(3, 3, 3)


def test_a_shard_is_byte_identical_when_made_twice(tmp_path):
    first = write_shard(tmp_path / "a", SPEC, 1, 2)
    second = write_shard(tmp_path / "b", SPEC, 1, 2)
    assert first.name == "shard-00001-of-00002.npz"
    assert digest(first) == digest(second)


def test_dataset_reads_batches_the_model_trains_on(tmp_path):
    assert main(["dataset", "--out", str(tmp_path), "--clips", "3", "--shard", "0/2", "--seed", "3",
                 "--size", "16", "--frames", "4"]) == 0
    write_shard(tmp_path, SPEC, 1, 2)
    data = ShardDataset(tmp_path)
    assert len(data) == 3
    item = data[2]
    assert item["video"].shape == (3, 4, 16, 16) and item["video"].min() >= -1 and item["video"].max() <= 1
    assert item["controls"]["depth"].shape == (1, 4, 16, 16) and item["controls"]["flow"].shape == (3, 4, 16, 16)
    assert item["caption"].startswith("A") and item["caption"].endswith("seconds.")
    frames, caption, graph_json = data.frames(0)
    assert "bodies" in graph_json and frames.rgb.dtype == np.uint8
    batch = collate([data[0], data[1]])
    assert " floor" in batch["instance_text"][0][0] and batch["light"][0].shape == (4,)
    assert batch["video"].shape == (2, 3, 4, 16, 16) and len(batch["caption"]) == 2


def test_missing_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(SimError, match="no shards"):
        ShardDataset(tmp_path)


@pytest.fixture(scope="module")
def shard_bytes(tmp_path_factory) -> bytes:
    """A good one-clip shard, as bytes to spoil."""
    return write_shard(tmp_path_factory.mktemp("good"), DatasetSpec(seed=3, clips=1, size=16, frames=4, fps=8),
                       0, 1).read_bytes()


def with_arrays(data: bytes, folder: Path, **changes) -> bytes:
    """The shard `data` with some arrays replaced (or removed, for None)."""
    with np.load(io.BytesIO(data), allow_pickle=False) as shard:
        arrays = {name: shard[name] for name in shard.files}
    arrays = {name: array for name, array in {**arrays, **changes}.items() if array is not None}
    return save_npz(folder / "spoiled.npz", arrays).read_bytes()


def spoiled(data: bytes, how: str, folder: Path) -> bytes:
    middle = data.index(b"rgb.npy") + 200  # inside the compressed rgb array
    return {"random bytes": np.random.default_rng(0).bytes(len(data)), "cut short": data[:len(data) // 2],
            "empty": b"", "corrupted": data[:middle] + bytes(64) + data[middle + 64:],
            "array missing": with_arrays(data, folder, flow=None),
            "wrong shape": with_arrays(data, folder, depth=np.zeros((1, 4, 16, 8), dtype=np.float16))}[how]


@pytest.mark.parametrize("how", ["random bytes", "cut short", "empty", "corrupted", "array missing", "wrong shape"])
def test_a_malformed_shard_is_one_line_naming_it_and_how_to_remake_it(tmp_path, shard_bytes, how):
    path = tmp_path / "shard-00002-of-00004.npz"
    path.write_bytes(spoiled(shard_bytes, how, tmp_path))
    with pytest.raises(SimError) as error:
        data = ShardDataset(tmp_path)
        data.captions(), data[0]  # a corrupted array shows only when it is decompressed
    message = str(error.value)
    assert message.startswith(f"{path} is not a readable dataset shard: ") and "\n" not in message
    assert message.endswith(f"make it again with `kinema dataset --out {tmp_path} --shard 2/4` and the dataset's "
                            "other arguments")


def test_training_on_a_malformed_shard_is_one_line(tmp_path, shard_bytes, capsys):
    (tmp_path / "shard-00000-of-00001.npz").write_bytes(shard_bytes[:100])
    recipe = Path(__file__).parents[2] / "recipes" / "default.yaml"
    assert main(["train", "--config", str(recipe), "--data", str(tmp_path), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "shard-00000-of-00001.npz is not a readable dataset shard" in err


def test_a_folder_named_like_a_shard_is_refused(tmp_path):
    (tmp_path / "shard-00000-of-00001.npz").mkdir()
    with pytest.raises(UserFileError, match="is a folder; give the path of a dataset shard"):
        ShardDataset(tmp_path)


def test_the_dataset_seed_is_at_most_max_seed():
    assert DatasetSpec(seed=MAX_SEED, clips=1).seed == MAX_SEED
    with pytest.raises(SceneError, match="a seed is a whole number from 0 to 4294967295, got 4294967296"):
        DatasetSpec(seed=MAX_SEED + 1, clips=1)


@pytest.mark.parametrize("change, message", [
    ({"size": 1}, "image size must be an even number of pixels from 2 to 4096 (video encoders need even sizes), got 1"),
    ({"size": 5000}, "image size must be an even number of pixels from 2 to 4096"),
    ({"frames": 100000}, "100000 frames at 8 fps is 12500 s; a clip may be at most 60 s (480 frames at 8 fps)"),
    ({"frames": 61, "fps": 1}, "61 frames at 1 fps is 61 s; a clip may be at most 60 s (60 frames at 1 fps)"),
    ({"fps": 7}, "fps 7 does not divide the physics rate of 240 steps a second; use fps 8, the nearest that does"),
    ({"frames": 0}, "frames must be a whole number of at least 1, got 0"),
    ({"clips": 2.5}, "clips must be a whole number of at least 1, got 2.5"),
])
def test_an_impossible_spec_is_refused_when_made(change, message):
    with pytest.raises(SimError) as error:
        DatasetSpec(**({"seed": 0, "clips": 2} | change))
    assert message in str(error.value)
    assert DatasetSpec(seed=0, clips=2, frames=480, fps=8, size=2).frames == 480  # the limits themselves are fine


@pytest.mark.parametrize("option, message", [
    (["--size", "1"], ("image size must be an even number of pixels from 2 to 4096 (video encoders need even "
                       "sizes), got 1")),
    (["--frames", "100000"], "100000 frames at 8 fps is 12500 s; a clip may be at most 60 s (480 frames at 8 fps)"),
    (["--fps", "7"], ("fps 7 does not divide the physics rate of 240 steps a second; use fps 8, the nearest that "
                      "does, or another of 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 16, 20, 24, 30, 40, 48, 60, 80, 120, 240")),
])
def test_the_cli_refuses_an_impossible_clip_before_making_any(option, message, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("hybrid.dataset.make_clip", lambda *a, **k: pytest.fail("a clip was made"))
    assert main(["dataset", "--out", str(tmp_path / "data"), "--clips", "2", *option]) == 2
    assert capsys.readouterr().err == f"kinema dataset: error: {message}\n"
