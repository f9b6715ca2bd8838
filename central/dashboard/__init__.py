"""The ops web dashboard: server-rendered pages over the fleet monitor, with logins, roles and an audit log."""
