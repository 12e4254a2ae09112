"""SQLAlchemy implementations of the repository ports; they return domain objects, never rows."""
