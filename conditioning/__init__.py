"""Conditioning: rendered `Frames` as `Controls` (normalised depth, flow, segmentation maps) for the video DiT."""

from conditioning.controls import BRANCHES, CHANNELS, Controls
from conditioning.encode import encode_controls
from conditioning.errors import ConditioningError

__all__ = ["BRANCHES", "CHANNELS", "ConditioningError", "Controls", "encode_controls"]
