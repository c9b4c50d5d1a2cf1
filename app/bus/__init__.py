"""The message bus: in-process by default, Redis pub/sub when several replicas share work."""
