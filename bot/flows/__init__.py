"""Flows: coordinator-written YAML, loaded with line numbers, checked, compiled.

Nothing here imports ``telegram`` or ``sqlalchemy``: flows are pure data and logic.
"""
