"""PAM Context: a self-hosted business knowledge layer."""

__version__ = "0.1.0"
