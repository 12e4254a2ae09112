"""Business entities, rules and errors in plain Python: no framework, database or settings."""
