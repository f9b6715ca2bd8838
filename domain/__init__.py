"""Pure domain model: catalog, forms, applications, receipts (no I/O frameworks)."""
