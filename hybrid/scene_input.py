"""One argument, three kinds of scene: a path to a YAML script, the name of a library scene, or a prompt."""

from pathlib import Path

from scenes.errors import SceneError
from scenes.graph import SceneGraph
from scenes.parser import parse_prompt
from scenes.script import library_scripts, load_script

SCRIPT_SUFFIXES = (".yaml", ".yml")


def load_scene(prompt_or_script: str, seed: int | None = None) -> SceneGraph:
    """The laid-out scene a CLI argument names; `seed` overrides a script's own (prompts default to 0)."""
    path = Path(prompt_or_script)
    if path.suffix in SCRIPT_SUFFIXES:
        if not path.exists():
            raise SceneError(f"no scene script at {path}; check the path, or pass a prompt in quotes")
        return load_script(path, seed=seed)  # which reads only a regular file, of a bounded size
    library = {script.stem: script for script in library_scripts()}
    if prompt_or_script in library:
        return load_script(library[prompt_or_script], seed=seed)
    return parse_prompt(prompt_or_script, seed=0 if seed is None else seed)
