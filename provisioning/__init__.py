"""Terminal provisioning: PKI, enrollment, broker configuration, self-test."""
