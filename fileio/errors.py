"""The one exception of fileio: a file a user named, or a place a user asked to write, cannot be used."""


class UserFileError(Exception):
    """One line: what is wrong with the file or folder and how to fix it."""
