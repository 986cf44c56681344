"""`recmock record`: a validating proxy that turns a real API's answers into a scenario."""
