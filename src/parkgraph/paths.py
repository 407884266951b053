"""Where parkgraph's own files live: the ontology, the shapes and the curated data."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
QUERIES_DIR = PACKAGE_DIR / "queries"
TEMPLATES_DIR = PACKAGE_DIR / "templates"


def project_root() -> Path:
    """The repository root holding `ontology/` and `data/` (override with PARKGRAPH_HOME)."""
    env = os.environ.get("PARKGRAPH_HOME")
    if env:
        return Path(env).resolve()
    # src/parkgraph/paths.py -> repository root, for a checkout or an editable install.
    return PACKAGE_DIR.parents[1]


def ontology_file() -> Path:
    """The OWL ontology, ontology/parkgraph.ttl."""
    return project_root() / "ontology" / "parkgraph.ttl"


def shapes_file() -> Path:
    """The SHACL shapes, ontology/shapes.ttl."""
    return project_root() / "ontology" / "shapes.ttl"


def data_file() -> Path:
    """The curated graph, data/triples.ttl."""
    return project_root() / "data" / "triples.ttl"


def default_files() -> list[Path]:
    """The files that make up the graph by default: the ontology and the curated data."""
    return [ontology_file(), data_file()]
