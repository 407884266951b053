"""Store back-ends beyond rdflib's memory: embedded Oxigraph and any SPARQL 1.1 server.

`parkgraph.store.open_store(spec)` picks one of them; import them from here directly only
when you need their extra options.
"""
