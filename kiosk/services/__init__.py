"""Use cases of the terminal, written against ports (typing.Protocol)."""
