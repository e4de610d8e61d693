"""How things look: sky and ambient light, surface finish per material, procedural ground textures.

Colours in scene graphs are sRGB. pyrender's shader treats a material's base colour factor as linear and
gamma-encodes its output with 1/2.2, so factors are raised to 2.2 here: a surface lit with unit radiance then
shows exactly its named colour. Textures are sRGB images (pyrender linearises them itself).
"""

from dataclasses import dataclass

import numpy as np

SKY_RGB = (0.62, 0.74, 0.88)  # sRGB: hazy daylight blue behind everything
AMBIENT = 0.12  # linear radiance added to every surface, so faces turned from the lights are not black
TEXTURE_PERIOD = 1.0  # metres of ground one texture tile covers (a 2 x 2 checker, one grid cell)
TEXTURE_PIXELS = 128  # texels per tile side
GRID_LINE_WIDTH = 0.03  # metres
DARK_SHADE = 0.55  # the checker's second colour and the grid's lines: the ground colour times this (sRGB)


@dataclass(frozen=True)
class Finish:
    """Physically based surface parameters (glTF metallic-roughness) of a material."""

    metallic: float
    roughness: float


# Metals keep some diffuse colour (metallic < 1): pyrender has no environment map, so a pure metal would be
# dark everywhere except its highlights, and bodies must stay recognisable by colour.
FINISHES = {
    "rubber": Finish(metallic=0.0, roughness=0.9),
    "wood": Finish(metallic=0.0, roughness=0.7),
    "stone": Finish(metallic=0.0, roughness=0.95),
    "plastic": Finish(metallic=0.0, roughness=0.4),
    "glass": Finish(metallic=0.0, roughness=0.08),
    "ice": Finish(metallic=0.0, roughness=0.15),
    "metal": Finish(metallic=0.6, roughness=0.3),
}
DEFAULT_FINISH = Finish(metallic=0.0, roughness=0.6)


def finish(material_name: str) -> Finish:
    return FINISHES.get(material_name, DEFAULT_FINISH)


def linear(rgb) -> np.ndarray:
    """[3] linear base-colour factor that pyrender shows as the sRGB colour `rgb` under unit light."""
    return np.asarray(rgb, dtype=float) ** 2.2


def ground_texture(texture: str, rgb) -> np.ndarray:
    """[P, P, 3] uint8 sRGB image of one TEXTURE_PERIOD x TEXTURE_PERIOD tile of the ground (repeats)."""
    base = np.asarray(rgb, dtype=float)
    texel = (np.arange(TEXTURE_PIXELS) + 0.5) / TEXTURE_PIXELS * TEXTURE_PERIOD  # [P] metres across the tile
    if texture == "checker":
        half = texel >= TEXTURE_PERIOD / 2
        dark = half[:, None] ^ half[None, :]  # [P, P]
    elif texture == "grid":
        line = (texel < GRID_LINE_WIDTH / 2) | (texel > TEXTURE_PERIOD - GRID_LINE_WIDTH / 2)
        dark = line[:, None] | line[None, :]
    else:
        dark = np.zeros((TEXTURE_PIXELS, TEXTURE_PIXELS), dtype=bool)
    image = np.where(dark[..., None], base * DARK_SHADE, base)  # [P, P, 3]
    return np.round(image * 255).astype(np.uint8)
