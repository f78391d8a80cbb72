"""ingest subpackage."""
