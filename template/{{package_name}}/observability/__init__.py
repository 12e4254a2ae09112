"""Logs, request ids, slow-request and slow-query warnings; takes plain arguments, never Settings."""
