"""mvpscaffold: generate and update well-structured Python monoliths."""

__version__ = "0.4.0.dev0"
# Projects made by this build record ~/.cache/<TEMPLATE_NAME>/template.bundle as their template.
# A fork that ships its own wheel gives its distribution another name, and this the same one
# (the build refuses a mismatch), so no installation mistakes the fork's projects for its own.
TEMPLATE_NAME = "mvpscaffold"
