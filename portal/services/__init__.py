"""Domain logic as typed functions over a SQLAlchemy Session. They never commit."""
