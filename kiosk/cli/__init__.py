"""Command-line interface: the framework and the terminal's command groups."""
