"""The domain: jobs, their lifecycle and timing, the clock, quotas, and the `StateStore`
interface every piece of state lives behind (its implementations are in `mock_server/stores/`).

No Flask and no network here.
"""
