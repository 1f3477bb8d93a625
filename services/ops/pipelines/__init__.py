"""The operator tools' part of each pipeline: `<pipeline>/__init__.py` exposes `PART`, an `OpsPart`."""
