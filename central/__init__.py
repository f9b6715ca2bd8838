"""The central platform and the fleet monitor."""
