"""The one exception type of the conditioning package."""


class ConditioningError(ValueError):
    """Bad input to control encoding (an unknown branch, mismatched batches, a bad size): one actionable line."""
