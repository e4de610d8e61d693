class GenerationError(ValueError):
    """An impossible request to the pipeline or `generate` (unsupported size, duration, control, ...)."""
