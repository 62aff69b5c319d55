"""The suite's machinery, in schemathesis' layers: generation, transport, checks, reporting."""
