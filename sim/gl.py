"""pyrender, imported for headless rendering: EGL unless the user chose another PyOpenGL platform.

PYOPENGL_PLATFORM must be set before PyOpenGL is first imported. pyrender 0.1.45 still uses `np.infty`,
which numpy 2 removed, so the alias is restored first.
"""

import os

import numpy as np

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
if not hasattr(np, "infty"):
    np.infty = np.inf

import pyrender  # noqa: E402  (needs the two settings above)

__all__ = ["pyrender"]
