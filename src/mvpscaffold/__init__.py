"""mvpscaffold: generate and update well-structured Python monoliths."""

__version__ = "0.1.0"
