"""mvpscaffold: generate and update well-structured Python monoliths."""

__version__ = "0.2.0"
