"""pytest fixtures for teams that test against the mock (filled in by the verify work)."""
