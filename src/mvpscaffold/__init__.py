"""mvpscaffold: generate and update well-structured Python monoliths."""

__version__ = "0.3.0.dev0"
