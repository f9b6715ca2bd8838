"""The fleet monitor: terminal presence and health from telemetry, alerts, API and metrics."""
