"""Contact sheets of the renderer's look: the example library (one labelled frame per scene) and the materials.

    python -m hybrid.contact_sheet [--out docs/rendering/library.png] [--materials docs/rendering/materials.png]
                                   [--size 192] [--columns 6] [--at 0.4]

Each library scene is simulated and rendered at `size` pixels (square); the frame `at` that fraction of its clip
is shown, labelled with the scene's name, its floor and its backdrop. The materials sheet shows a cube and a ball
of one colour in each material, close up. docs/rendering.md shows both.
"""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from tqdm import tqdm

from fileio import write_atomically
from scenes.graph import SceneGraph
from scenes.parser import parse_prompt
from scenes.script import library_scripts, load_script
from scenes.vocabulary import MATERIAL_ADJECTIVES, MATERIALS
from sim import render, simulate

LABEL_HEIGHT = 28  # pixels under each frame for its two label lines
GAP = 4


def look(graph: SceneGraph) -> str:
    """'planks floor, white back wall': what a frame's label says of its appearance."""
    backdrop = graph.backdrop
    behind = f"{backdrop.sky} sky" if backdrop.kind == "sky" else \
        f"{backdrop.colour.name} {'back wall' if backdrop.kind == 'wall' else 'room corner'}"
    return f"{graph.ground.texture} floor, {behind}"


def frame_of(graph: SceneGraph, size: int, at: float) -> np.ndarray:
    """[size, size, 3] uint8: the frame `at` (0..1) through the scene's clip at 8 fps."""
    rollout = simulate(graph, seconds=graph.settings.duration, fps=8)
    frames = render(rollout, graph, size=size, aspect="1:1")
    return frames.rgb[min(int(at * frames.num_frames), frames.num_frames - 1)]


def contact_sheet(size: int = 192, columns: int = 6, at: float = 0.4, progress: bool = False) -> Image.Image:
    """Every library scene's frame `at`, labelled, `columns` to a row."""
    scripts = library_scripts()
    rows = -(-len(scripts) // columns)
    cell_w, cell_h = size + GAP, size + LABEL_HEIGHT + GAP
    sheet = Image.new("RGB", (columns * cell_w + GAP, rows * cell_h + GAP), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for index, path in enumerate(tqdm(scripts, desc="contact sheet", unit="scene", disable=not progress)):
        graph = load_script(path)
        x, y = GAP + (index % columns) * cell_w, GAP + (index // columns) * cell_h
        sheet.paste(Image.fromarray(frame_of(graph, size, at)), (x, y))
        draw.text((x, y + size + 2), path.stem, fill=(0, 0, 0))
        draw.text((x, y + size + 14), look(graph), fill=(90, 90, 90))
    return sheet


def materials_sheet(size: int = 192, colour_name: str = "red") -> Image.Image:
    """One close-up frame per material: a cube and a ball of `colour_name`, labelled with the material."""
    names = sorted(MATERIALS)
    sheet = Image.new("RGB", (len(names) * (size + GAP) + GAP, size + LABEL_HEIGHT + GAP), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for index, name in enumerate(names):
        graph = parse_prompt(f"a {colour_name} {MATERIAL_ADJECTIVES[name]} cube next to a {colour_name} "
                             f"{MATERIAL_ADJECTIVES[name]} ball on a plain grey floor", seed=0)
        graph.camera = graph.camera.model_copy(update={"fov_y": graph.camera.fov_y / 2.5})  # close up
        x = GAP + index * (size + GAP)
        sheet.paste(Image.fromarray(frame_of(graph, size, 0.0)), (x, GAP))
        draw.text((x, GAP + size + 2), name, fill=(0, 0, 0))
    return sheet


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("docs/rendering/library.png"))
    parser.add_argument("--materials", type=Path, default=Path("docs/rendering/materials.png"))
    parser.add_argument("--size", type=int, default=192, help="pixels per frame side (default 192)")
    parser.add_argument("--columns", type=int, default=6)
    parser.add_argument("--at", type=float, default=0.4, help="which moment of each clip, 0..1 (default 0.4)")
    args = parser.parse_args(argv)
    for path, sheet in ((args.out, contact_sheet(args.size, args.columns, args.at, progress=True)),
                        (args.materials, materials_sheet(args.size))):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda temporary: sheet.save(temporary, format="PNG"))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
