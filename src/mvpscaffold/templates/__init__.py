"""Templates: where one comes from, which versions it offers, the answers it takes, its render.

Standard library, packaging and tools only at import time: the build hook imports `source`.
"""
