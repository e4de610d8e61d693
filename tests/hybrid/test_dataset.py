"""Dataset shards: determined by their arguments (identical bytes), partitioned without gaps, read lazily."""

import hashlib

import numpy as np
import pytest
import torch

from dit.train import collate
from hybrid.cli import main
from hybrid.dataset import DatasetSpec, ShardDataset, shard_clips, write_shard
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
    assert batch["instance_text"][0][0].endswith("floor") and batch["light"][0].shape == (4,)
    assert batch["video"].shape == (2, 3, 4, 16, 16) and len(batch["caption"]) == 2


def test_missing_dataset_is_a_clear_error(tmp_path):
    with pytest.raises(SimError, match="no shards"):
        ShardDataset(tmp_path)
