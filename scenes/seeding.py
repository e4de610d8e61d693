"""One random generator per purpose, derived from the scene seed (no module-level random state).

Separate streams keep draws independent: adding a random colour to a script does not move the layout.
"""

import numpy as np

from scenes.errors import SceneError

STREAMS = {"content": 0, "layout": 1, "sampler": 2, "second_take": 3, "texture": 4, "material_texture": 5,
           "body_texture": 6, "fracture": 7}
# The largest seed any stage accepts. One seed feeds numpy's SeedSequence (any size), torch's manual_seed (up
# to 2**64 - 1) and the JSON sidecar (exact only up to 2**53 in many readers); 32 bits suit all of them, and
# PyBullet draws nothing.
MAX_SEED = 2**32 - 1


def check_seed(seed: int) -> int:
    """`seed` if it is a whole number from 0 to MAX_SEED; else one line saying what a seed is."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED:
        raise SceneError(f"a seed is a whole number from 0 to {MAX_SEED}, got {seed!r}")
    return int(seed)


def scene_rng(seed: int, stream: str, index: int = 0) -> np.random.Generator:
    """The generator for `stream` of scene `seed` (seed 0 is an ordinary seed)."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([check_seed(seed), STREAMS[stream], index])))
