"""Flow log records: the field registry, format strings, and line parsing."""
