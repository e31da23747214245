"""The scale-out fixtures, for the crash tests that kill a worker too."""

from tests.scaleout.conftest import scaleout_settings

__all__ = ["scaleout_settings"]
