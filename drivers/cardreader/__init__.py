"""ID card readers: one port, backends chosen by URL (serial://, sim://; pcsc:// follows)."""
