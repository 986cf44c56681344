"""`recmock drift`: how far the mock's answers are from a target's, operation by operation."""
