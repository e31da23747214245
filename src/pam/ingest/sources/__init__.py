"""Source connectors: where documents come from."""
