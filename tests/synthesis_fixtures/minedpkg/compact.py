"""Classes that ``formats`` never imports: the suite passes them to its functions as values."""

import json


class CompactJSON:
    """json's ``dumps`` without the spaces."""

    @staticmethod
    def dumps(obj):
        return json.dumps(obj, separators=(",", ":"))


class Box:
    """A width and a height."""

    def __init__(self, width, height):
        self.width = width
        self.height = height
