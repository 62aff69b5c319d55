"""The conformance library the contract suite is built on: generation, transport, checks,
probes, budget, report, drift and recordings.
"""
