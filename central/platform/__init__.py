"""The central platform: ingest of terminal uplink, acknowledgements, the terminal registry."""
