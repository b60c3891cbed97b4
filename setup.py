"""Ship the one grammar, grammar/resgraph.lark, inside the wheel as resgraph/grammar/resgraph.lark.

The grammar lives at the top of the repository (one file, easy to find); the package finds it there in
a checkout and inside itself once installed.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithGrammar(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "resgraph" / "grammar"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(Path(__file__).parent / "grammar" / "resgraph.lark", target / "resgraph.lark")


setup(cmdclass={"build_py": BuildPyWithGrammar})
