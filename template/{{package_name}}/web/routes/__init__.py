"""Routers, one module per feature; they translate HTTP to use-case calls and nothing more."""
