"""Gates: keep a problem, or drop it with a reason from the gate's closed set.

License, determinism, dedup and decontamination share one base (``base.Gate``).
"""
