"""Driving the fake from tests: the pytest plugin, the controller, the in-process routing."""
