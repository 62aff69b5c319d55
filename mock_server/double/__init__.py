"""The test-double policy: scripted and chaotic faults, the request journal, client checks,
and the `Fake` that holds one fake's whole state.
"""
