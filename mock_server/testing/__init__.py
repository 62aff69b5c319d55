"""Driving the fake from tests: the pytest plugin, the `ViduMock` controller and the in-process transport."""
