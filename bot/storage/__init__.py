"""Storage: SQLModel tables, the engine, migrations and the unit of work."""
