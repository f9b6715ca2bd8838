"""CLI plumbing shared by every command group: root options, one-line errors, --json, exit codes, lazy groups."""
