"""The conformance library: generation, transport, checks, probes, budget, report, drift and recordings for the contract suite."""
