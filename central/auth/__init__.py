"""Ops accounts, sessions, CSRF tokens and login throttling, shared by the JSON API and the dashboard's pages."""
