"""Base-model samplers: one interface (``base.Sampler``), three backends, and the embedded default."""
