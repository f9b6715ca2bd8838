"""The terminal's encrypted local store: applications, outbox, inbox, status and events."""
