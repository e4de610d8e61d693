"""The one exception type of the scenes package."""


class SceneError(ValueError):
    """Bad user input to the scene layer: a prompt, a scene script or an impossible layout.

    The message is one line a user can act on; the CLI prints it without a traceback.
    """
