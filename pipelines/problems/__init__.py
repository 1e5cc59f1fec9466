"""Turning raw material into problems: synthesis from call records, solve wrappers, assert tests."""
