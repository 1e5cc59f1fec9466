"""A package written for the chain tests: a tiny arithmetic pipeline and a formatter class."""
