"""Small purpose-built projects for the harvester tests, each served from a local bare git repository.

No git host is reachable here, so every project is committed to a bare repository the test makes;
PREPARE installs pytest and the projects' dependencies from PyPI as it would for a real project.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}

MIT_TEXT = """MIT License

Copyright (c) 2024 Example Author

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

SETUPTOOLS = '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
GCD = 'def gcd(a, b):\n    """Greatest common divisor."""\n    while b:\n        a, b = b, a % b\n    return a\n'


def bare_repo(root: Path, name: str, files: dict[str, str]) -> Path:
    """Commit ``files`` (path -> text) to a new bare repository ``root/name.git``."""
    work, bare = root / f"{name}-work", root / f"{name}.git"
    for path, text in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(text)
    for command in (["git", "init", "-q", "-b", "main", str(work)], ["git", "-C", str(work), "add", "."],
                    ["git", "-C", str(work), "commit", "-q", "-m", name],
                    ["git", "clone", "-q", "--bare", str(work), str(bare)]):
        subprocess.run(command, check=True, env=GIT_ENV, capture_output=True)
    return bare


# A dependency declared only in [dependency-groups]; the repository's name is not the distribution's.
DEPENDENCY_GROUP = {
    "pyproject.toml": SETUPTOOLS + '[project]\nname = "depcalc"\nversion = "0.1"\n'
                      '[dependency-groups]\ntest = ["six"]\n',
    "depcalc/__init__.py": GCD,
    "tests/test_depcalc.py": "import six\nfrom depcalc import gcd\n\n\ndef test_gcd():\n"
                             "    assert six.PY3 and gcd(12, 18) == 6\n",
}

# One test module imports a file the project does not ship, one a module nobody declared (yaml).
COLLECTION_AND_MISSING = {
    "pyproject.toml": SETUPTOOLS + '[project]\nname = "colcalc"\nversion = "0.1"\n',
    "colcalc/__init__.py": GCD + '\n\ndef double(x):\n    """Twice x."""\n    return 2 * x\n',
    "tests/test_ok.py": "from colcalc import gcd\n\n\ndef test_gcd():\n    assert gcd(7, 5) == 1\n",
    "tests/test_broken.py": "from tests.not_shipped import helper\n\n\ndef test_helper():\n    assert helper()\n",
    "tests/test_yaml.py": "import yaml\nfrom colcalc import double\n\n\ndef test_double():\n"
                          "    assert yaml.safe_load('a: 1') == {'a': 1} and double(2) == 4\n",
}

# A single module at the root, tests in a root tests.py, the license only in LICENSE's text.
SINGLE_MODULE = {
    "setup.py": "from setuptools import setup\n\nsetup(name='onemod', version='0.1', py_modules=['onemod'])\n",
    "onemod.py": GCD,
    "tests.py": "import unittest\n\nfrom onemod import gcd\n\n\nclass GcdTest(unittest.TestCase):\n"
                "    def test_gcd(self):\n        self.assertEqual(gcd(12, 18), 6)\n",
    "LICENSE": MIT_TEXT,
}

# src/ layout, tox with skip_install and a task runner as its command; tests inside the package too.
SRC_LAYOUT_TASK_RUNNER = {
    "pyproject.toml": SETUPTOOLS + '[project]\nname = "srcpkg"\nversion = "0.1"\nlicense = "MIT"\n',
    "src/srcpkg/__init__.py": GCD,
    "src/srcpkg/tests/__init__.py": "",
    "src/srcpkg/tests/test_inside.py": "from srcpkg import gcd\n\n\ndef test_inside():\n    assert gcd(4, 6) == 2\n",
    "tests/test_outside.py": "from srcpkg import gcd\n\n\ndef test_outside():\n    assert gcd(9, 6) == 3\n",
    "tox.ini": "[tox]\nenvlist = py311\n\n[testenv]\nskip_install = true\ndeps = pytest\ncommands = inv test\n",
}

# The same without tests inside the package: only PYTHONPATH lets the root tests import the code.
SRC_LAYOUT_SKIP_INSTALL = {path: text for path, text in SRC_LAYOUT_TASK_RUNNER.items() if "/tests/" not in path}
SRC_LAYOUT_SKIP_INSTALL["tox.ini"] = SRC_LAYOUT_TASK_RUNNER["tox.ini"].replace("inv test", "pytest tests")

# Doctests are the suite, run by a CI script.
DOCTEST = {
    "setup.py": "from setuptools import setup\n\nsetup(name='docmod', version='0.1', py_modules=['docmod'],"
                " license='MIT')\n",
    "docmod.py": 'def add(a, b):\n    """Add.\n\n    >>> add(2, 3)\n    5\n    >>> add("a", "b")\n    \'ab\'\n'
                 '    """\n    return a + b\n',
    ".travis.yml": "language: python\ninstall: pip install .\nscript: python -m doctest -v docmod.py\n",
}

# An sdist-like tree that ships no tests, only examples in its docstrings (sortedcontainers' sdist).
DOCSTRINGS_ONLY = {
    "pyproject.toml": SETUPTOOLS + '[project]\nname = "examplepkg"\nversion = "0.1"\nlicense = "MIT"\n',
    "examplepkg/__init__.py": "from examplepkg.core import gcd\n",
    "examplepkg/core.py": 'def gcd(a, b):\n    """Greatest common divisor.\n\n    >>> gcd(12, 18)\n    6\n'
                          '    >>> gcd(7, 5)\n    1\n    """\n    while b:\n        a, b = b, a % b\n    return a\n',
}

# The tests exercise only the standard library: the suite runs and records nothing of the project.
NOTHING_RECORDED = {
    "pyproject.toml": SETUPTOOLS + '[project]\nname = "idlepkg"\nversion = "0.1"\nlicense = "MIT"\n',
    "idlepkg/__init__.py": GCD,
    "tests/test_stdlib.py": "import math\n\n\ndef test_math():\n    assert math.gcd(12, 18) == 6\n",
}

# One test hangs; the others must still run and record.
HANGING_TEST = {
    "pyproject.toml": SETUPTOOLS + '[project]\nname = "slowpkg"\nversion = "0.1"\nlicense = "MIT"\n',
    "slowpkg/__init__.py": GCD,
    "tests/test_slow.py": "import time\nfrom slowpkg import gcd\n\n\ndef test_fast():\n"
                          "    assert gcd(12, 18) == 6\n\n\ndef test_hangs():\n    time.sleep(600)\n\n\n"
                          "def test_fast_too():\n    assert gcd(3, 9) == 3\n",
}
