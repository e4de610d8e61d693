"""The one exception type of the sim package."""


class SimError(ValueError):
    """Bad input to simulation or rendering (impossible parameters, a corrupt rollout file): one actionable line."""
