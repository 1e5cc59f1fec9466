"""Outputs: training-set exporters, the report, and the one writer."""
