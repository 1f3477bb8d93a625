"""Validation talks to no outside system: it reads raw records from Kafka and publishes through the kernel.

The room is kept so every service has the same layout (STYLE.md); text extraction (pypdf, python-docx) is pure
and lives in the domain of the pipeline that reads documents.
"""
