"""Adapters to the outside world (e-mail, outbound HTTP); the services see them only through ports."""
