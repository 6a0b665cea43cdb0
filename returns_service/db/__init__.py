"""Tables, the engine, and the caller-scoped queries that map rows to domain objects."""
