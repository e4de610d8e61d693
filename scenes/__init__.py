"""Scenes: what a user writes (a prompt or a scene script) as a `SceneGraph` a physics engine can run."""

from scenes.caption import caption, same_scene
from scenes.errors import SceneError
from scenes.graph import SceneGraph
from scenes.layout import lay_out
from scenes.parser import parse_prompt
from scenes.sampler import sample_scene
from scenes.script import load_script
from scenes.seeding import scene_rng

__all__ = ["SceneError", "SceneGraph", "caption", "lay_out", "load_script", "parse_prompt", "same_scene",
           "sample_scene", "scene_rng"]
