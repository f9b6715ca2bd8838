"""The fleet's JSON API and Prometheus metrics: what machines read of the fleet monitor."""
