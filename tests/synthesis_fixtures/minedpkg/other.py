def double(x):
    return 2 * x


SCALE = 3
LIMITS = (0, 100)


def _bounded(value, low, high):
    return min(max(value, low), high)


def clamp(value):
    """``value`` within LIMITS."""
    return _bounded(value, *LIMITS)
