"""The project a recorded file belongs to: its modules found by dotted name under one root, parsed on demand.

``load_module`` names a recorded file by the packages (``__init__.py``) above it, so that the
project's own imports (``from .colors import NAMES``, ``from pkg.colors import NAMES``) can be
followed to the module that defines the name, whatever directory the harvest reported files from.
"""

from __future__ import annotations

import ast
from pathlib import Path

from pipelines.problems.standalone import Module


class Project:
    """The project's modules under one root directory, loaded on demand by dotted name."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._modules: dict[str, Module | None] = {}

    def path_of(self, name: str) -> Path | None:
        """The file of a dotted module name (a module file or a package's ``__init__``)."""
        base = self.root.joinpath(*name.split("."))
        for path in (base.with_suffix(".py"), base / "__init__.py"):
            if path.is_file():
                return path
        return None

    def is_package(self, name: str) -> bool:
        """Whether the dotted name is a package."""
        return (self.root.joinpath(*name.split(".")) / "__init__.py").is_file()

    def module(self, name: str) -> Module | None:
        """The parsed module, or None when it is not the project's or does not parse."""
        if name not in self._modules:
            path = self.path_of(name)
            self._modules[name] = None
            if path is not None:
                try:
                    source = path.read_text(encoding="utf-8")
                    self._modules[name] = Module(ast.parse(source), name.split(".")[0], source, name, self)
                except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
                    pass
        return self._modules[name]


def load_module(file: str | Path, package: str) -> Module | None:
    """A recorded file's module, named by the packages (``__init__.py``) above it, with its project."""
    path = Path(file)
    parts = [path.stem] if path.stem != "__init__" else []
    directory = path.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        parts.insert(0, directory.name)
        directory = directory.parent
    name = ".".join(parts)
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    project = Project(directory)
    module = Module(tree, package.replace("-", "_").lower(), source, name, project)
    if name:
        project._modules[name] = module
    return module
