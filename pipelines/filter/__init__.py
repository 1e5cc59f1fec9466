"""The base-model filter: samplers (``models/``), the filter itself and pass@k."""
