"""The conformance library the contract suite is built on: generation, transport, preflight,
checks (with an mp4 box reader), probes, budget, progress, report, drift and recordings.
"""
