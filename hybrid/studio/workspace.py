"""The folder the studio owns: the editor's scene script and the meshes it may name (the library's, copied in,
and uploads), and one folder per generation job. The browser sends text and file names, never paths; every
script is read from this folder with the script loader's own checks, so a mesh outside it is refused, and
messages name files relative to it."""

import re
import shutil
import tempfile
import threading
from pathlib import Path

from fileio import UserFileError, write_bytes_atomically
from scenes.graph import SceneGraph
from scenes.script import MAX_SCRIPT_BYTES, library_scripts, load_script

SCRIPT = "scene.yaml"
MESHES = "meshes"
MAX_MESH_BYTES = 64 * 2**20  # as the script loader's limit on a mesh
MESH_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\.obj")


class Workspace:
    """`root`/scene (scene.yaml and meshes/) and `root`/jobs; a fresh temporary folder by default."""

    def __init__(self, root: Path | None = None):
        # resolved, as the script loader names folders, so messages lose every spelling of it (`scrub`)
        self.root = (Path(tempfile.mkdtemp(prefix="kinema-studio-")) if root is None else Path(root)).resolve()
        self.scene_folder = self.root / "scene"
        self.jobs = self.root / "jobs"
        (self.scene_folder / MESHES).mkdir(parents=True, exist_ok=True)
        self.jobs.mkdir(exist_ok=True)
        library_meshes = library_scripts()[0].parent / MESHES
        for mesh in library_meshes.glob("*.obj"):  # the library's scripts name meshes/NAME.obj
            shutil.copyfile(mesh, self.scene_folder / MESHES / mesh.name)
        self._lock = threading.Lock()  # one script file: one reader at a time

    def load(self, text: str, seed: int | None = None, name: str = SCRIPT) -> SceneGraph:
        """The scene of the script `text`, read as `name` in the scene folder (so its meshes resolve there)."""
        if len(text.encode()) > MAX_SCRIPT_BYTES:
            raise UserFileError(f"the scene script is {len(text.encode())} bytes; scripts are at most "
                                f"{MAX_SCRIPT_BYTES} bytes")
        with self._lock:
            path = self.scene_folder / name
            path.write_text(text, encoding="utf-8")
            return load_script(path, seed=seed)

    def save_mesh(self, name: str, data: bytes) -> str:
        """Store an uploaded mesh as meshes/NAME (a plain .obj name, at most MAX_MESH_BYTES); returns the path a
        script names it by."""
        if not MESH_NAME.fullmatch(name):
            raise UserFileError(f"cannot take a mesh named {name!r}: use letters, digits, '_', '-' and '.', ending "
                                "in .obj")
        if len(data) > MAX_MESH_BYTES:
            raise UserFileError(f"the mesh is {len(data)} bytes; meshes are at most {MAX_MESH_BYTES} bytes")
        write_bytes_atomically(self.scene_folder / MESHES / name, data)
        return f"{MESHES}/{name}"

    def meshes(self) -> list[str]:
        return sorted(f"{MESHES}/{path.name}" for path in (self.scene_folder / MESHES).glob("*.obj"))

    def job_folder(self, job_id: str) -> Path:
        return self.jobs / job_id

    def scrub(self, message: str) -> str:
        """`message` with the studio's own paths taken out: files are named as the script names them."""
        message = message.replace(f"{self.scene_folder}/", "").replace(str(self.scene_folder),
                                                                       "the studio's scene folder")
        return message.replace(f"{self.jobs}/", "").replace(f"{self.root}/", "").replace(str(self.root),
                                                                                         "the studio's folder")
