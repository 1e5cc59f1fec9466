"""Run untrusted candidate programs in isolation and judge what they produce on the host."""
