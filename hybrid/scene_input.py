"""One argument, three kinds of scene: a path to a YAML script, the name of a library scene, or a prompt."""

import os
from pathlib import Path

from scenes.errors import SceneError
from scenes.graph import SceneGraph
from scenes.parser import parse_prompt
from scenes.script import library_scripts, load_script

SCRIPT_SUFFIXES = (".yaml", ".yml")


def load_scene(prompt_or_script: str, seed: int | None = None, strict: bool = False) -> SceneGraph:
    """The laid-out scene a CLI argument names; `seed` overrides a script's own (prompts default to 0).

    A `.yaml`/`.yml` name (in any case), an existing file, or anything written like a path is a script: a
    file that is not one (a device, a folder, binary data) is then refused as a script, never read as a
    prompt. Otherwise the argument is a library scene's name, else a prompt (`strict`: its warnings are errors).
    """
    path = Path(os.path.expanduser(prompt_or_script))
    if _names_a_script(prompt_or_script):
        if not os.path.exists(path):
            raise SceneError(f"no scene script at {prompt_or_script}; check the path, or pass a prompt in quotes")
        return load_script(path, seed=seed)  # which reads only a regular file, of a bounded size
    library = {script.stem: script for script in library_scripts()}
    if prompt_or_script in library:
        return load_script(library[prompt_or_script], seed=seed)
    return parse_prompt(prompt_or_script, seed=0 if seed is None else seed, strict=strict)


def is_prompt(prompt_or_script: str) -> bool:
    """Whether `load_scene` reads the argument as a prompt (not a script path or a library scene's name)."""
    return not _names_a_script(prompt_or_script) and prompt_or_script not in {
        script.stem for script in library_scripts()}


def _names_a_script(argument: str) -> bool:
    return Path(argument).suffix.lower() in SCRIPT_SUFFIXES or _names_a_file(argument)


def _names_a_file(argument: str) -> bool:
    """Whether `argument` is a file that exists (not a folder: an output folder named `dominoes` must not hide
    the library's dominoes) or is written like a path: '/...', './...', '~...', or a separator and no spaces.

    os.path's tests, not pathlib's: they answer False for a name too long to be a file (a long prompt).
    """
    path = os.path.expanduser(argument)
    if os.path.exists(path) and not os.path.isdir(path):
        return True
    return argument.startswith(("/", "./", "../", "~")) or (os.sep in argument and " " not in argument)
