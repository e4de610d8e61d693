"""How things look: skies, ambient light, surface finish per material, and textured pyrender materials.

Colours in scene graphs are sRGB. pyrender's shader treats a material's base colour factor as linear and
gamma-encodes its output with 1/2.2, so factors are raised to 2.2 here: a surface lit with unit radiance then
shows exactly its named colour. A texture modulates that colour (`textured_material`): the surface shows
colour x pattern, the pattern being a `sim.textures` brightness map.
"""

from dataclasses import dataclass

import numpy as np

from sim.gl import pyrender

# Linear radiance added to every surface: the sky's fill light, so faces turned from the sun and shadows on the
# floor keep about half their lit brightness instead of going black.
AMBIENT = 0.2
TEXTURE_PERIOD = 1.0  # metres of ground one floor tile covers (a 2 x 2 checker, one grid cell, 4 x 4 tiles)
BODY_TEXTURE_PERIOD = 0.25  # metres of a body's surface one texture tile covers
WALL_TEXTURE_PERIOD = 2.0


@dataclass(frozen=True)
class Sky:
    """A sky gradient (sRGB): `horizon` at eye level, blending into `zenith` straight up."""

    zenith: tuple[float, float, float]
    horizon: tuple[float, float, float]

    def colours(self, heights: np.ndarray) -> np.ndarray:
        """[..., 3] sRGB of the sky at the sines of elevation `heights` [...]; below the horizon, haze."""
        blend = np.sqrt(np.clip(heights, 0.0, 1.0))[..., None]
        horizon, zenith = np.asarray(self.horizon, dtype=blend.dtype), np.asarray(self.zenith, dtype=blend.dtype)
        return horizon + (zenith - horizon) * blend

    def keys(self, count: int = 5) -> np.ndarray:
        """[count, 3] colours along the gradient, horizon to zenith (colour keying needs every sky tone)."""
        return self.colours(np.linspace(0.0, 1.0, count))


SKIES = {
    "clear": Sky(zenith=(0.28, 0.50, 0.86), horizon=(0.72, 0.83, 0.95)),
    "hazy": Sky(zenith=(0.50, 0.64, 0.85), horizon=(0.62, 0.74, 0.88)),  # the horizon: kinema's first, flat sky
    "overcast": Sky(zenith=(0.60, 0.62, 0.66), horizon=(0.82, 0.83, 0.85)),
    "dusk": Sky(zenith=(0.24, 0.27, 0.52), horizon=(0.96, 0.64, 0.40)),
}


@dataclass(frozen=True)
class Finish:
    """Physically based surface parameters (glTF metallic-roughness) of a material."""

    metallic: float
    roughness: float


# Metals keep some diffuse colour (metallic < 1): pyrender has no environment map, so a pure metal would be
# dark everywhere except its highlights, and bodies must stay recognisable by colour. Glass and ice are opaque
# but strongly specular: see-through bodies could not be found by their colour.
FINISHES = {
    "rubber": Finish(metallic=0.0, roughness=0.9),
    "wood": Finish(metallic=0.0, roughness=0.7),
    "stone": Finish(metallic=0.0, roughness=0.95),
    "plastic": Finish(metallic=0.0, roughness=0.4),
    "glass": Finish(metallic=0.0, roughness=0.05),
    "ice": Finish(metallic=0.0, roughness=0.15),
    "metal": Finish(metallic=0.6, roughness=0.3),
    "ceramic": Finish(metallic=0.0, roughness=0.2),  # glazed
    "cardboard": Finish(metallic=0.0, roughness=0.95),
    "paper": Finish(metallic=0.0, roughness=0.85),
    "foam": Finish(metallic=0.0, roughness=1.0),
}
DEFAULT_FINISH = Finish(metallic=0.0, roughness=0.6)


def finish(material_name: str) -> Finish:
    return FINISHES.get(material_name, DEFAULT_FINISH)


def linear(rgb) -> np.ndarray:
    """[3] linear base-colour factor that pyrender shows as the sRGB colour `rgb` under unit light."""
    return np.asarray(rgb, dtype=float) ** 2.2


def srgb_encode(values: np.ndarray) -> np.ndarray:
    """Linear values in [0, 1] -> uint8 sRGB, the exact inverse of the decoding pyrender's shader applies."""
    values = np.clip(values, 0.0, 1.0)
    encoded = np.where(values <= 0.0031308, 12.92 * values, 1.055 * values ** (1 / 2.4) - 0.055)
    return np.round(encoded * 255).astype(np.uint8)


@dataclass(frozen=True)
class PatternTexture:
    """A brightness pattern uploaded as a texture: pattern / peak, linearised as the shader's gamma expects."""

    texture: pyrender.Texture
    peak: float  # the pattern's maximum, carried by the material's factor so bright spots are not clipped

    @classmethod
    def of(cls, pattern: np.ndarray) -> "PatternTexture":
        """The texture of a [P, P] brightness pattern (`sim.textures`)."""
        peak = float(pattern.max())
        image = srgb_encode((pattern / peak) ** 2.2)  # [P, P] grey
        return cls(pyrender.Texture(source=np.repeat(image[..., None], 3, axis=-1), source_channels="RGB"), peak)


def textured_material(material_name: str, rgb, pattern: PatternTexture,
                      double_sided: bool = False) -> pyrender.MetallicRoughnessMaterial:
    """A material that shows sRGB colour `rgb` times the pattern's brightness under unit light (one pattern
    texture serves every colour: the colour is in the factor)."""
    surface = finish(material_name)
    return pyrender.MetallicRoughnessMaterial(
        baseColorFactor=(*(linear(rgb) * pattern.peak**2.2), 1.0), baseColorTexture=pattern.texture,
        metallicFactor=surface.metallic, roughnessFactor=surface.roughness, doubleSided=double_sided,
    )
