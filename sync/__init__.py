"""Terminal-to-central synchronisation over MQTT 5 (outbox pump, inbound messages)."""
