"""The ops roles, in a module of their own so the command line lists them without loading the database."""

ROLES = ("viewer", "operator", "admin")  # each can do what the one before it can
