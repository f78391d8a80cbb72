"""insights subpackage."""
