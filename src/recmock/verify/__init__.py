"""Contract testing of any deployment: Schemathesis + Hypothesis plus recmock's own checks."""
