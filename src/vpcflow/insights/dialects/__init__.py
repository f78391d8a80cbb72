"""SQL dialects of the Logs Insights compiler: a portable base and engine overrides."""
