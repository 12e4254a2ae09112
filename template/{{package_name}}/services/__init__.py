"""Use cases: they talk to ports (Protocols in `ports.py`), never to frameworks or settings."""
