"""parkgraph: a knowledge graph of the industrial-park ecosystem of SCO and BRICS states.

Open the graph, query it, validate it::

    from parkgraph import ParkGraph, validate
    pg = ParkGraph.open()                 # ontology + curated data, in memory
    report = validate()                   # syntax, SHACL, OWL consistency
"""

from parkgraph.errors import ParkgraphError
from parkgraph.graph import ParkGraph
from parkgraph.stats import compute_stats
from parkgraph.validate import ValidationReport, validate, validate_store

__all__ = ["ParkGraph", "ParkgraphError", "ValidationReport", "compute_stats", "validate", "validate_store"]
__version__ = "0.1.0"
