"""Ops roles: a ladder for the fleet, and the back office's role beside it."""

ROLES = ("viewer", "operator", "admin")  # each can do what the one before it can
SEPARATE = ("backoffice",)  # a role of its own: changes applications' states, nothing of the fleet's
ALL_ROLES = (*ROLES, *SEPARATE)


def grants(held: str, wanted: str) -> bool:
    """Return whether a user holding role ``held`` may do what needs role ``wanted``."""
    if held in SEPARATE or wanted in SEPARATE:
        return held == wanted
    return ROLES.index(held) >= ROLES.index(wanted)
