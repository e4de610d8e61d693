"""Dataset shards as the video autoencoder reads them: every frame to train on, and held-out clips whose pixels
are labelled with what covers them (a body's material, the floor's texture, the walls, the sky), so the
evaluation can say which surfaces cost the most. dit/ sees only these arrays, never a scene graph."""

from pathlib import Path
from typing import Iterator

import numpy as np

from dit.autoencoder_train import HeldOutClip, TrainingFrames
from hybrid.dataset import ShardDataset, read_shard
from scenes.graph import SceneGraph

SHIPPED_AUTOENCODER = Path(__file__).parent / "models" / "autoencoder"  # trained by recipes/autoencoder.yaml


def training_frames(folder: Path) -> TrainingFrames:
    """The RGB [n, T, H, W, 3] of every shard in `folder` (the other maps are not read)."""
    return TrainingFrames([read_shard(path, ("rgb",))["rgb"] for path in ShardDataset(folder).shards])


def held_out_clips(folder: Path) -> Iterator[HeldOutClip]:
    """Every clip of the shards in `folder`, each pixel labelled: 0 the floor ("floor:planks"), k the material of
    body k ("wood"), then the backdrop's walls ("walls:corner") and its sky ("sky:dusk")."""
    data = ShardDataset(folder)
    for item in range(len(data)):
        frames, caption, graph_json = data.frames(item)
        graph = SceneGraph.from_json(graph_json)
        bodies = len(graph.bodies)
        labels = frames.segmentation.astype(np.int64)  # [T, H, W]: 0 floor or background, k body k
        labels[frames.wall_mask()] = bodies + 1
        labels[frames.depth == 0] = bodies + 2
        groups = [f"floor:{graph.ground.texture}", *(body.material.name for body in graph.bodies),
                  f"walls:{graph.backdrop.kind}", f"sky:{graph.backdrop.sky}"]
        yield HeldOutClip(video=frames.rgb, labels=labels, groups=groups, caption=caption)
