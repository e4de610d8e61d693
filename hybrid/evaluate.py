"""The quality bar of a model: held-out scenes generated with all controls and with none, scored against the
simulator's ground truth (colour-keyed mask IoU and PSNR to the render; see `hybrid.metrics`).

Held-out means never trained on: the example library (training draws only sampled scenes) and sampled scenes of
another dataset seed (`HELD_OUT_SEED`; the shipped model's data used seed 0).
"""

import math
from dataclasses import asdict, dataclass

import numpy as np
from tqdm import tqdm

from hybrid.metrics import mask_iou, psnr
from hybrid.pipeline import Pipeline
from scenes.graph import SceneGraph
from scenes.sampler import sample_scene
from scenes.script import library_scripts, load_script
from scenes.seeding import scene_rng

HELD_OUT_SEED = 1


@dataclass
class SceneScore:
    scene: str
    variant: str  # "all" (every control branch) or "none" (text only)
    iou: float
    psnr: float
    iou_of_render: float  # the metric's ceiling: the simulator's own render, keyed the same way


def held_out_scenes(count: int) -> list[tuple[str, SceneGraph]]:
    """`count` scenes: half from the library (in name order), the rest sampled with HELD_OUT_SEED."""
    library = [(path.stem, load_script(path)) for path in library_scripts()][:count // 2]
    sampled = [(f"sampled-{i}", sample_scene(scene_rng(HELD_OUT_SEED, "sampler", i)))
               for i in range(count - len(library))]
    return library + sampled


def evaluate(pipe: Pipeline, count: int = 20, num_frames: int = 16, size: int = 64, num_steps: int = 20,
             seed: int = 0, progress: bool = False) -> list[SceneScore]:
    """Scores of every held-out scene with all controls and with none (same seed, same noise)."""
    scores = []
    for name, graph in tqdm(held_out_scenes(count), desc="evaluate", unit="scene", disable=not progress):
        for variant, controls in (("all", None), ("none", ())):
            result = pipe(graph, num_frames=num_frames, height=size, width=size, num_steps=num_steps,
                          controls=controls, seed=seed)
            truth = result.frames
            scores.append(SceneScore(name, variant, mask_iou(result.video, truth, result.graph),
                                     psnr(result.video, truth.rgb), mask_iou(truth.rgb, truth, result.graph)))
    return scores


def summary(scores: list[SceneScore]) -> dict[str, dict[str, float]]:
    """Per variant: mean IoU (over scenes with a keyable body), mean PSNR, and the render's IoU ceiling."""
    table = {}
    for variant in sorted({s.variant for s in scores}):
        rows = [s for s in scores if s.variant == variant]
        scored = [s for s in rows if not math.isnan(s.iou)]
        table[variant] = {"scenes": len(rows), "scenes_with_keyable_bodies": len(scored),
                          "iou": float(np.mean([s.iou for s in scored])) if scored else float("nan"),
                          "psnr_db": float(np.mean([s.psnr for s in rows])),
                          "iou_of_render": float(np.mean([s.iou_of_render for s in scored])) if scored else
                          float("nan")}
    return table


def as_records(scores: list[SceneScore]) -> list[dict]:
    return [asdict(score) for score in scores]
