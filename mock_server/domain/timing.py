"""How long a job queues and processes: the documented timing model of the fake.

Upstream publishes no timings, so this model is the fake's own (a [guess], scaled by `speed`):

- queue: 2-10 s normally; 10-60 min for `off_peak` jobs (upstream promises "within 48 h").
- processing: a base of 15 s (720p) or 25 s (1080p), plus 3 s (720p) or 6 s (1080p) per second
  of video, plus 8 s with `audio` and 4 s with `bgm`; then a +-10 % jitter.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

__all__ = ["INSTANT", "TimingPlan", "plan_timing"]


QUEUE_S = (2.0, 10.0)
OFF_PEAK_QUEUE_S = (600.0, 3600.0)
BASE_S = {"720p": 15.0, "1080p": 25.0}
PER_VIDEO_SECOND_S = {"720p": 3.0, "1080p": 6.0}
AUDIO_S = 8.0
BGM_S = 4.0
JITTER = 0.1


@dataclass(frozen=True)
class TimingPlan:
    """Seconds a job spends queued, then processing."""

    queue_s: float
    processing_s: float

    @property
    def total_s(self) -> float:
        return self.queue_s + self.processing_s


INSTANT = TimingPlan(0.0, 0.0)


def plan_timing(params: dict[str, Any], rng: random.Random, speed: float) -> TimingPlan:
    """Draw a job's timing from its (defaulted) submit parameters."""
    low, high = OFF_PEAK_QUEUE_S if params["off_peak"] else QUEUE_S
    queue = rng.uniform(low, high)
    resolution = params["resolution"]
    processing = BASE_S[resolution] + PER_VIDEO_SECOND_S[resolution] * params["duration"]
    processing += AUDIO_S if params["audio"] else 0.0
    processing += BGM_S if params["bgm"] else 0.0
    processing *= rng.uniform(1 - JITTER, 1 + JITTER)
    return TimingPlan(queue / speed, processing / speed)
