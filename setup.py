"""Build step: copy the repository's specs/ and fixtures/ into the wheel as recmock/data/.

specs/ and fixtures/ stay at the repository root (the source of truth the README and the team
refer to); `recmock.resources` finds the packaged copy in an installed wheel and the root in an
editable install. Everything else about the package is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATA = ("specs", "fixtures")


class BuildPyWithData(build_py):
    """build_py that also copies the root data directories (YAML files only) into the build."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # editable installs read the checkout directly
        for name in DATA:
            source = ROOT / name
            if not any(source.rglob("*.yaml")):
                raise SystemExit(f"setup.py: {source}: expected YAML files to package, found none")
            target = Path(self.build_lib) / "recmock" / "data" / name
            shutil.rmtree(target, ignore_errors=True)
            for path in sorted(source.rglob("*.yaml")):
                destination = target / path.relative_to(source)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, destination)


setup(cmdclass={"build_py": BuildPyWithData})
