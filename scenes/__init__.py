"""Scenes: what a user writes (a prompt or a scene script) as a `SceneGraph` a physics engine can run."""

from scenes.errors import SceneError
from scenes.graph import SceneGraph

__all__ = ["SceneError", "SceneGraph"]
