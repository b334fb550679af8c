"""Judges: what is asked of a backend and how its answers are read."""
