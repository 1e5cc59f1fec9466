"""Gates: keep a problem, or drop it with a reason from the gate's closed set (license, determinism, dedup, decontamination)."""
