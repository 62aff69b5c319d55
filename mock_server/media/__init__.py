"""Playable mock videos made in pure Python: H.264 + AAC in mp4, no codec libraries."""

from __future__ import annotations

from mock_server.media.render import VideoSpec, render_mp4

__all__ = ["VideoSpec", "render_mp4"]
