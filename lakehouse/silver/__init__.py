"""Silver layer: clean, deduplicated, PII-free entities."""
