"""The validation service has no side effects of its own: it reads raw records and publishes through the kernel."""
