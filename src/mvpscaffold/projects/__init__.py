"""Generated projects: add a resource, update to a newer template version, check the version."""
