"""The terminal application: domain model, use cases, store and citizen UI."""
