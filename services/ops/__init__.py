"""Operator tooling: start the local stack, run the demo, read run reports and dead letters."""
