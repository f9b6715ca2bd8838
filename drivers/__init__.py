"""Device drivers: one subpackage per device kind, backends chosen by URL."""
