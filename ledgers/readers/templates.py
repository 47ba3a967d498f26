"""Where the shipped templates are: ``templates/`` beside the packages (editable install) or
``budget/_templates`` inside an installed wheel."""

from __future__ import annotations

from pathlib import Path

import ledgers


def templates_dir() -> Path:
    """The folder of the shipped input templates and code tables."""
    root = Path(ledgers.__file__).resolve().parent.parent
    for candidate in (root / "templates", root / "budget" / "_templates"):
        if (candidate / "mapping.csv").is_file():
            return candidate
    raise FileNotFoundError(
        f"the shipped templates are missing: looked in {root / 'templates'} and {root / 'budget' / '_templates'}"
    )


def template_path(name: str) -> Path:
    """One shipped template by file name."""
    path = templates_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"template '{name}' not found in {path.parent}")
    return path
