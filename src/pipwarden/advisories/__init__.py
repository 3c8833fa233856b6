"""The advisory store: OSV parsing, SQLite storage and import."""
