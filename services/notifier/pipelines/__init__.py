"""The notifier's part of each pipeline: `<pipeline>/__init__.py` exposes `PART` (see shared.parts), whose port
draws the pipeline's approval request for Slack; the subscription itself is the one in handlers.py."""
