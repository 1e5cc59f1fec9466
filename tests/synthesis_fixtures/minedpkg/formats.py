"""Functions that take a standard-library module or a path as a value, or write to an in-memory stream."""

from io import StringIO
from pathlib import PurePath


def is_text_serializer(serializer):
    """Whether ``serializer.dumps`` (json, pickle, marshal) gives text rather than bytes."""
    return isinstance(serializer.dumps({}), str)


def config_stem(path):
    """The lower-cased name of a config file without its suffix; ``None`` for what is not a path."""
    if not isinstance(path, PurePath):
        return None
    return path.stem.lower()


def written(lines):
    """The lines as one text, each ended by a newline, written to an in-memory stream."""
    out = StringIO()
    for line in lines:
        out.write(line.rstrip() + "\n")
    return out.getvalue()


def path_separator(module):
    """The path separator of an ``os``-like module."""
    return module.sep


def area(box):
    """The area of anything with a ``width`` and a ``height``, rounded to two places."""
    return round(box.width * box.height, 2)
