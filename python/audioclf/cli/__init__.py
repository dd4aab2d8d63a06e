"""The ``audioclf`` command line and its output writers."""

from audioclf.cli.main import main

__all__ = ["main"]
