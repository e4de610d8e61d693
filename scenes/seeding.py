"""One random generator per purpose, derived from the scene seed (no module-level random state).

Separate streams keep draws independent: adding a random colour to a script does not move the layout.
"""

import numpy as np

from scenes.errors import SceneError

STREAMS = {"content": 0, "layout": 1, "sampler": 2}


def scene_rng(seed: int, stream: str, index: int = 0) -> np.random.Generator:
    """The generator for `stream` of scene `seed` (seed 0 is an ordinary seed)."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise SceneError(f"a seed is a whole number >= 0, got {seed!r}")
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(seed), STREAMS[stream], index])))
