"""The one exception type of the dit package."""


class DiTError(ValueError):
    """Bad input to the model layer (an invalid config, tensors of the wrong shape): one actionable line."""
