"""The Beam job: the graph of named composites, its steps, the resumable store, the settings."""
