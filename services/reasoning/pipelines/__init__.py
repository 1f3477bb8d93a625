"""The reasoning service's part of each pipeline: `<pipeline>/__init__.py` exposes `PART` (see shared.parts)."""
