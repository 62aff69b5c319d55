"""The domain: jobs, their lifecycle and timing, the clock, the job stores and quotas.

No Flask and no network here.
"""
