"""Where the shipped specs/ and fixtures/ live: inside an installed wheel, or in the checkout.

The repository root keeps the source of truth (specs/, fixtures/); `setup.py` copies both into
the wheel as `recmock/data/<name>/`, so an installed recmock reads them through
importlib.resources. An editable install (or a plain checkout on sys.path) has no packaged copy
and falls back to the checkout's root.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from recmock.errors import ConfigError

PACKAGED = "data"  # recmock/data/{specs,fixtures} inside a wheel
CHECKOUT_ROOT = Path(__file__).resolve().parents[2]


def data_dir(name: str) -> Path:
    """The directory holding the shipped `name` (`specs` or `fixtures`)."""
    packaged = resources.files("recmock").joinpath(PACKAGED, name)
    # A wheel installs as plain files, so the Traversable is a real directory on disk.
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return CHECKOUT_ROOT / name


def scenario_dirs(extra: str, *, shipped: bool = True) -> list[Path]:
    """Where scenarios come from, in order: the shipped fixtures/ (unless `shipped` is false),
    then `extra` (`--fixtures DIR`), whose scenario of the same name wins."""
    if extra and not Path(extra).is_dir():
        raise ConfigError(f"--fixtures {extra}: expected a directory of scenario *.yaml files")
    if not shipped and not extra:
        raise ConfigError("--only-fixtures: expected --fixtures DIR as well (whose scenarios?)")
    dirs = [data_dir("fixtures")] if shipped else []
    if extra and all(Path(extra).resolve() != d.resolve() for d in dirs):
        dirs.append(Path(extra))
    return dirs
