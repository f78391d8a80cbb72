"""Engines that execute compiled Logs Insights queries: ``duckdb`` (the default store)."""
