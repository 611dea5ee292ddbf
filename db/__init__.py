"""The data layer: SQLAlchemy models, encrypted personal fields, queries and migrations."""
