"""sftmine's pipeline: sources -> problems -> gates -> filter -> outputs, wired by ``job`` (see README)."""
