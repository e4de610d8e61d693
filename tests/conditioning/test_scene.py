import numpy as np

from conditioning.scene import INTENSITY_SCALE, light_features
from scenes import parse_prompt
from scenes.schema import Light


def test_light_features_of_the_default_and_of_given_lights():
    graph = parse_prompt("a red ball")
    default = light_features(graph)  # no light named: the renderer's default sun (0.3, 0.5, -1), intensity 3
    unit = np.array([0.3, 0.5, -1.0]) / np.linalg.norm([0.3, 0.5, -1.0])
    assert np.allclose(default[:3], 3 * unit / INTENSITY_SCALE) and np.isclose(default[3], 3 * -unit[2] / INTENSITY_SCALE)
    graph.add_light(Light(id="overhead", direction=(0, 0, -1), intensity=5.0))
    assert np.allclose(light_features(graph), [0, 0, -1, 1])  # the given light replaces the default
    graph.add_light(Light(id="lamp", kind="point", position=(0, 0, 2), intensity=8.0))  # 8 / 2^2 straight down
    assert np.allclose(light_features(graph), [0, 0, -1.4, 1.4])
