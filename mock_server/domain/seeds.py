"""Random sources fixed by the fake's root seed, so ids and draws replay from the seed."""

from __future__ import annotations

import os
import random
import uuid

__all__ = ["SEED_RANGE", "fresh_seed", "job_rng", "random_uuid"]

SEED_RANGE = 2**31 - 1


def fresh_seed() -> int:
    """A root seed nobody chose: fresh randomness from the OS."""
    return int.from_bytes(os.urandom(8), "big")


def job_rng(root_seed: int, sequence: int) -> random.Random:
    """A random source for one job, fixed by the server seed and the job's sequence number."""
    return random.Random(f"{root_seed}:job:{sequence}")


def random_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from `rng`."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
