def double(x):
    return 2 * x


SCALE = 3
LIMITS = (0, 100)


def _bounded(value, low, high):
    return min(max(value, low), high)


def clamp(value):
    """``value`` within LIMITS."""
    return _bounded(value, *LIMITS)


class Store:
    """Items kept in memory, or read from a file."""

    def __init__(self, items):
        self.items = list(items)

    def reload(self, path):
        with open(path) as handle:
            self.items = handle.read().split()
        return len(self.items)

    def refreshed(self, path):  # reaches a member that reads a file: left out of a problem's context with it
        self.reload(path)
        return self.items

    def count(self):
        return len(self.items)
