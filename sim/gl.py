"""pyrender, imported for headless rendering (EGL unless the user chose another PyOpenGL platform), and its
shaders with a cheaper shadow filter.

PYOPENGL_PLATFORM must be set before PyOpenGL is first imported. pyrender 0.1.45 still uses `np.infty`,
which numpy 2 removed, so the alias is restored first.

pyrender filters each shadow-map lookup over 3 x 3 bilinear taps (36 depth reads per pixel per light), which
on Mesa's CPU rasteriser costs more than the rest of the colour pass; kinema's shadow maps are sharp enough
(1024 texels over the bodies' reach) for one bilinear tap, and need a larger depth bias on walls. `shader_dir()`
holds pyrender's own shaders with those two changes, made once per process from the installed pyrender.
"""

import os
import tempfile
from functools import cache
from pathlib import Path

import numpy as np

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
if not hasattr(np, "infty"):
    np.infty = np.inf

import pyrender  # noqa: E402  (needs the two settings above)
import pyrender.light  # noqa: E402
import pyrender.renderer  # noqa: E402

SHADOW_MAP_TEXELS = 1024  # per side of each directional light's shadow map (pyrender's default: 2048)
pyrender.light.SHADOW_TEX_SZ = pyrender.renderer.SHADOW_TEX_SZ = SHADOW_MAP_TEXELS

_PCF_START, _PCF_END = "float PCF(", "float shadow_calc("
_ONE_TAP = ("float PCF(sampler2D depths, vec2 size, vec2 uv, float compare){\n"
            "    return texture2DShadowLerp(depths, size, uv, compare);\n}\n\n")
# Depth bias against shadow acne, in shadow-map depth units (kinema's shadow cameras span 32 m of depth):
# pyrender's 0.001 x (1 - n.l) leaves acne on walls the sun grazes; this one keeps contact shadows on the floor
# within 1-2 cm.
_BIAS, _KINEMA_BIAS = "max(0.001 * (1.0 - nl), 0.0001)", "max(0.004 * (1.0 - nl), 0.0004)"


@cache
def shader_dir() -> str:
    """A folder of pyrender's shaders whose shadow filter takes one bilinear tap (made once per process)."""
    source = Path(pyrender.__file__).parent / "shaders"
    folder = Path(_SHADERS.name)
    for path in source.iterdir():
        text = path.read_text()
        if path.name == "mesh.frag":
            start, end = text.index(_PCF_START), text.index(_PCF_END)  # ValueError: an unknown pyrender
            text = text[:start] + _ONE_TAP + text[end:]
            if _BIAS not in text:
                raise ValueError(f"pyrender's {path} has no shadow bias {_BIAS!r}; kinema needs pyrender 0.1.45")
            text = text.replace(_BIAS, _KINEMA_BIAS)
        (folder / path.name).write_text(text)
    return str(folder)


_SHADERS = tempfile.TemporaryDirectory(prefix="kinema-shaders-")  # removed when the process ends

__all__ = ["pyrender", "shader_dir"]
