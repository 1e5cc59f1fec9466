"""Fetching raw material: a polite HTTP client (rate limit, retries, cache, robots) and site scrapers."""
