"""Files kinema reads and writes: atomic writes (one file, or a set), and bounded reads of user-named files.

Every package may import it (it imports none of them), so the whole project has one way to publish a file
and one way to open a file a user named.
"""

from fileio.atomic import TEMP_MARK, Save, folder_written_atomically, write_atomically, write_bytes_atomically
from fileio.errors import UserFileError
from fileio.outputs import OutputSet, existing_folder, sha256_file, writable_folder
from fileio.reading import check_regular_file, read_bytes, read_text

__all__ = ["TEMP_MARK", "OutputSet", "Save", "UserFileError", "check_regular_file", "existing_folder",
           "folder_written_atomically", "read_bytes", "read_text", "sha256_file", "writable_folder",
           "write_atomically", "write_bytes_atomically"]
