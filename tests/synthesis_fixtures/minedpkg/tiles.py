"""A class whose module needs a third-party package: it cannot come into a problem's context."""

import yaml


class Tile:
    """A width and a height, dumped as YAML."""

    def __init__(self, width, height):
        self.width = width
        self.height = height

    def dumped(self):
        return yaml.safe_dump({"width": self.width, "height": self.height})
