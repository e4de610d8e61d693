"""The quality bar of a model: held-out scenes generated with all controls, with none, and from the simulator's
first frame with none (image-to-video), scored against the simulator's ground truth (see `hybrid.metrics`).

Held-out means never trained on: the example library (training draws only sampled scenes), sampled scenes of
another dataset seed (`HELD_OUT_SEED`; the shipped model's data used seed 0) and the README's prompt.

Scores per scene: colour-keyed mask IoU; each body's and the background's (sky, walls, floor) mean colour
against the render, in grey levels (the largest per-channel difference, then the worst body and the worst
background region); PSNR and SSIM to the render; and PSNR with both downsampled to 64x64, since seeded
textures a model cannot know pixel for pixel make full-resolution PSNR the wrong target above 64p.
"""

import math
from dataclasses import asdict, dataclass

import numpy as np
from tqdm import tqdm

from hybrid.metrics import colour_errors, mask_iou, psnr, psnr_at, ssim
from hybrid.pipeline import Pipeline
from scenes.graph import SceneGraph
from scenes.parser import parse_prompt
from scenes.sampler import sample_scene
from scenes.script import library_scripts, load_script
from scenes.seeding import scene_rng

HELD_OUT_SEED = 1
README_PROMPT = "a red rubber ball falls onto a blue wooden box, then rolls off to the left"
VARIANTS = {"all": (None, False), "none": ((), False), "first-frame": ((), True)}  # -> (controls, first frame)
LOW_RESOLUTION = 64  # pixels: the side both videos are averaged down to for psnr_64


@dataclass
class SceneScore:
    scene: str
    variant: str  # "all" (every control branch), "none" (text only) or "first-frame" (image-to-video)
    iou: float
    psnr: float
    iou_of_render: float  # the metric's ceiling: the simulator's own render, keyed the same way
    psnr_64: float  # PSNR with both videos averaged down to 64x64
    ssim: float
    body_colour_error: float  # grey levels: the worst body's mean-colour difference; NaN if none is seen
    background_colour_error: float  # grey levels: the worst of the sky's, walls' and floor's


def held_out_scenes(count: int) -> list[tuple[str, SceneGraph]]:
    """`count` scenes: half from the library (in name order), the README's prompt, the rest sampled with
    HELD_OUT_SEED."""
    library = [(path.stem, load_script(path)) for path in library_scripts()][:count // 2]
    prompt = [("readme-prompt", parse_prompt(README_PROMPT, seed=0))][:count - len(library)]
    sampled = [(f"sampled-{i}", sample_scene(scene_rng(HELD_OUT_SEED, "sampler", i)))
               for i in range(count - len(library) - len(prompt))]
    return library + prompt + sampled


def evaluate(pipe: Pipeline, count: int = 20, num_frames: int = 16, size: int | None = None, num_steps: int = 20,
             seed: int = 0, progress: bool = False) -> list[SceneScore]:
    """Scores of every held-out scene in every variant (same seed, same noise)."""
    scores = []
    for name, graph in tqdm(held_out_scenes(count), desc="evaluate", unit="scene", disable=not progress):
        for variant, (controls, first_frame) in VARIANTS.items():
            result = pipe(graph, num_frames=num_frames, height=size, width=size, num_steps=num_steps,
                          controls=controls, seed=seed, first_frame=first_frame)
            scores.append(score(name, variant, result.video, result.frames, result.graph))
    return scores


def score(name: str, variant: str, video: np.ndarray, truth, graph: SceneGraph) -> SceneScore:
    """One generated video's scores against the render `truth` (Frames) of `graph`."""
    errors = colour_errors(video, truth, graph)
    bodies = [error for region, error in errors.items() if region.startswith("body ")]
    background = [error for region, error in errors.items() if not region.startswith("body ")]
    height, width = video.shape[1:3]
    side = LOW_RESOLUTION if height % LOW_RESOLUTION == 0 and width % LOW_RESOLUTION == 0 else None
    return SceneScore(name, variant, mask_iou(video, truth, graph), psnr(video, truth.rgb),
                      mask_iou(truth.rgb, truth, graph),
                      psnr_at(video, truth.rgb, side) if side and height == width else float("nan"),
                      ssim(video, truth.rgb),
                      max(bodies, default=float("nan")), max(background, default=float("nan")))


def summary(scores: list[SceneScore]) -> dict[str, dict[str, float]]:
    """Per variant: the mean of every score (IoU and its ceiling over scenes with a keyable body, colour errors
    over scenes where they were measured)."""
    table = {}
    for variant in [v for v in VARIANTS if any(s.variant == v for s in scores)]:
        rows = [s for s in scores if s.variant == variant]
        table[variant] = {"scenes": len(rows),
                          "scenes_with_keyable_bodies": sum(not math.isnan(s.iou) for s in rows),
                          "iou": _mean([s.iou for s in rows]), "iou_of_render": _mean([s.iou_of_render for s in rows
                                                                                      if not math.isnan(s.iou)]),
                          "psnr_db": _mean([s.psnr for s in rows]), "psnr_64_db": _mean([s.psnr_64 for s in rows]),
                          "ssim": _mean([s.ssim for s in rows]),
                          "body_colour_error": _mean([s.body_colour_error for s in rows]),
                          "background_colour_error": _mean([s.background_colour_error for s in rows])}
    return table


def _mean(values: list[float]) -> float:
    """The mean of the values that are numbers (NaN marks 'not measured'); NaN if none is."""
    kept = [value for value in values if not math.isnan(value)]
    return float(np.mean(kept)) if kept else float("nan")


def as_records(scores: list[SceneScore]) -> list[dict]:
    return [asdict(score) for score in scores]
