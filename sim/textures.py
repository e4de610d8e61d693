"""Procedural, seeded textures: a brightness pattern per body material, per floor pattern and for walls.

A pattern is a [P, P] float map `d` of display (sRGB) brightness that tiles seamlessly; a surface of colour `c`
shows `c * d` under unit light (`sim.appearance.textured_material`). Body and wall patterns have mean 1, so a
red wooden cube is red-tinted wood whose mean is still the red it was named. Floor patterns are the pattern a
floor is named for (a checker's dark squares, a tiled floor's grout) and keep the old checker and grid looks.
Every draw comes from the generator passed in: the same scene seed gives the same pixels.
"""

import numpy as np
from scipy import ndimage

BODY_TEXELS = 128  # texels per side of a body's texture tile
FLOOR_TEXELS = 256  # texels per side of one floor tile (TEXTURE_PERIOD of ground)
WALL_TEXELS = 128
DARK_SHADE = 0.55  # a checker's second colour, a grid's lines, grout and plank gaps: the colour times this
GRID_LINE_WIDTH = 0.03  # of a floor tile (1 m): grid lines 3 cm wide
TILES_PER_SIDE = 4  # a tiled floor: 25 cm tiles
GROUT_WIDTH = 0.012  # of a floor tile: 1.2 cm grout
PLANKS_PER_TILE = 5  # a plank floor: 20 cm boards, 1 m long, joints staggered from row to row
PLANK_GAP = 0.008


def noise(rng: np.random.Generator, size: int, cells: tuple[int, int]) -> np.ndarray:
    """[size, size] smooth, seamlessly tiling noise with zero mean and unit deviation; `cells` (rows, columns)
    random values across the tile, interpolated by cubic splines that wrap around."""
    grid = rng.standard_normal(cells)
    zoomed = ndimage.zoom(grid, (size / cells[0], size / cells[1]), order=3, mode="grid-wrap", grid_mode=True)
    return (zoomed - zoomed.mean()) / (zoomed.std() + 1e-12)


def fbm(rng: np.random.Generator, size: int, base_cells: int, octaves: int = 4) -> np.ndarray:
    """[size, size] fractal noise: `octaves` layers of `noise`, each twice as fine and half as strong."""
    total = sum(0.5**k * noise(rng, size, (base_cells * 2**k,) * 2) for k in range(octaves))
    return (total - total.mean()) / (total.std() + 1e-12)


def _unit_mean(pattern: np.ndarray) -> np.ndarray:
    pattern = np.clip(pattern, 0.05, None)
    return (pattern / pattern.mean()).astype(np.float32)


def body_pattern(material_name: str, rng: np.random.Generator) -> np.ndarray:
    """[BODY_TEXELS, BODY_TEXELS] mean-1 brightness of a body's surface: grain, streaks or fine noise by material."""
    p = BODY_TEXELS
    if material_name == "wood":
        across = np.arange(p)[:, None] / p  # rows run across the grain
        warp = 0.06 * noise(rng, p, (3, 2))
        rings = 0.5 + 0.5 * np.sin(2 * np.pi * (7 * across + warp * 7))
        fibres = noise(rng, p, (64, 4))
        pattern = 1 + 0.28 * (rings - 0.5) + 0.04 * fibres
    elif material_name == "stone":
        speckles = ndimage.gaussian_filter(rng.standard_normal((p, p)), 0.7, mode="wrap")
        pattern = 1 + 0.11 * fbm(rng, p, 4) + 0.05 * speckles / speckles.std()
    elif material_name == "metal":
        streaks = noise(rng, p, (96, 2))  # brushed along the rows
        pattern = 1 + 0.07 * streaks + 0.04 * noise(rng, p, (3, 3))
    elif material_name == "ice":
        pattern = 1 + 0.09 * fbm(rng, p, 3) + 0.05 * np.abs(noise(rng, p, (12, 12)))
    elif material_name == "glass":
        pattern = 1 + 0.04 * noise(rng, p, (2, 3))
    else:  # rubber, plastic: matte or glossy with fine noise
        amount = 0.05 if material_name == "rubber" else 0.025
        pattern = 1 + amount * fbm(rng, p, 16, octaves=2)
    return _unit_mean(pattern)


def floor_pattern(texture: str, rng: np.random.Generator) -> np.ndarray:
    """[FLOOR_TEXELS, FLOOR_TEXELS] brightness of one floor tile (rows along world y, columns along world x)."""
    p = FLOOR_TEXELS
    texel = (np.arange(p) + 0.5) / p  # [P] position across the tile, 0..1
    if texture == "checker":
        half = texel >= 0.5
        return np.where(half[:, None] ^ half[None, :], DARK_SHADE, 1.0).astype(np.float32)
    if texture == "grid":
        line = (texel < GRID_LINE_WIDTH / 2) | (texel > 1 - GRID_LINE_WIDTH / 2)
        return np.where(line[:, None] | line[None, :], DARK_SHADE, 1.0).astype(np.float32)
    if texture == "tiles":
        return _tiles(rng, texel)
    if texture == "planks":
        return _planks(rng, texel)
    if texture == "concrete":
        blotches = noise(rng, p, (3, 3))
        pattern = 1 + 0.06 * fbm(rng, p, 6) + 0.05 * blotches
        return np.clip(pattern, 0.5, None).astype(np.float32)
    return np.ones((p, p), dtype=np.float32)  # plain


def _tiles(rng: np.random.Generator, texel: np.ndarray) -> np.ndarray:
    cell = texel * TILES_PER_SIDE  # [P] position in tiles
    index = np.floor(cell).astype(int)
    tone = 1 + 0.05 * rng.standard_normal((TILES_PER_SIDE, TILES_PER_SIDE))  # each tile a little different
    pattern = tone[index[:, None], index[None, :]] + 0.025 * fbm(rng, len(texel), 8, octaves=3)
    edge = GROUT_WIDTH * TILES_PER_SIDE / 2
    grout = (np.abs(cell - np.round(cell)) < edge)
    return np.where(grout[:, None] | grout[None, :], DARK_SHADE, pattern).astype(np.float32)


def _planks(rng: np.random.Generator, texel: np.ndarray) -> np.ndarray:
    """Boards along world x, PLANKS_PER_TILE across the tile, each with its own tone, grain and joint."""
    p = len(texel)
    row = np.floor(texel * PLANKS_PER_TILE).astype(int)  # [P] board of each texel row
    across = texel * PLANKS_PER_TILE - row  # 0..1 across the board
    joints = rng.permutation(PLANKS_PER_TILE) / PLANKS_PER_TILE  # where each board's joint falls along x
    tone = 1 + 0.07 * rng.standard_normal(PLANKS_PER_TILE)
    warp = 0.15 * noise(rng, p, (PLANKS_PER_TILE * 2, 3))
    grain = 0.5 + 0.5 * np.sin(2 * np.pi * (3 * across[:, None] + warp))  # [P, P] rings along the board
    pattern = tone[row][:, None] + 0.10 * (grain - 0.5) + 0.03 * noise(rng, p, (96, 6))
    gap = PLANK_GAP * PLANKS_PER_TILE / 2
    seam = (across < gap) | (across > 1 - gap)  # [P] between boards
    joint = np.abs(((texel[None, :] - joints[row][:, None] + 0.5) % 1.0) - 0.5) < PLANK_GAP / 2  # [P, P]
    return np.where(seam[:, None] | joint, DARK_SHADE, pattern).astype(np.float32)


def wall_pattern(rng: np.random.Generator) -> np.ndarray:
    """[WALL_TEXELS, WALL_TEXELS] mean-1 brightness of painted plaster: faint, soft unevenness."""
    return _unit_mean(1 + 0.03 * fbm(rng, WALL_TEXELS, 4, octaves=3))
