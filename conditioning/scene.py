"""Scene-level conditioning from the graph: the lighting, as a short vector the DiT adds to its time embedding.

The renderer's brightness depends on the sun's intensity and height, which no caption says; without them a
model can only guess the mean brightness. A directional light counts as its intensity along its unit direction;
a point light as intensity / distance^2 at the scene's origin, along the direction from it to the origin.
"""

import numpy as np

from scenes.graph import SceneGraph
from scenes.schema import DEFAULT_LIGHT

LIGHT_FEATURES = 4  # (summed intensity * unit direction (x, y, z), irradiance on the ground) / INTENSITY_SCALE
INTENSITY_SCALE = 5.0  # the sampler's brightest sun


def light_features(graph: SceneGraph) -> np.ndarray:
    """[LIGHT_FEATURES] float32: the summed light vector and the ground's irradiance, scaled to about [-1, 1]."""
    total, ground = np.zeros(3), 0.0
    for light in graph.lights or [DEFAULT_LIGHT]:
        if light.kind == "directional":
            direction, intensity = np.asarray(light.direction, dtype=float), light.intensity
        else:
            direction = -np.asarray(light.position, dtype=float)
            intensity = light.intensity / max(float(direction @ direction), 1e-6)
        unit = direction / max(float(np.linalg.norm(direction)), 1e-12)
        total += intensity * unit
        ground += intensity * max(0.0, -unit[2])
    return (np.append(total, ground) / INTENSITY_SCALE).astype(np.float32)
