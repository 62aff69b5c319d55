"""Serving the fake: one threaded process, or worker processes behind one port."""
