"""The contract suite: one set of tests for the fake and for any server that claims the API."""
