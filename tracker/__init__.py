"""Track whether the commitments made at a diplomatic summit are kept."""

__version__ = "0.1.0"
