"""Use cases, and the `Services` container that wires them from settings."""
