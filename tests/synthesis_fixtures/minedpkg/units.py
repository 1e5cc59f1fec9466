"""Conversion factors and a range, which other modules read as ``units.NAME`` (the module, not its names)."""

CM_PER_INCH = 2.54
LOW, HIGH = 0, 1000  # one statement binds both names


def to_cm(inches):
    return round(inches * CM_PER_INCH, 2)


class Size:
    """A width and a height, in inches."""

    def __init__(self, width, height):
        self.width = width
        self.height = height
