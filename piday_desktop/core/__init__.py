"""Plain-Python domain layer: paths, the event catalogue (SQLite), image intake. No Qt here."""
