"""The wire protocol terminal and central share: topics, ACL, envelopes, bundles, acks, heartbeats, MQTT, time."""
