"""Ontology documentation: pyLODE HTML of `ontology/parkgraph.ttl` and a graphviz diagram of the model.

`build_docs(out_dir)` writes `ontology.html` (every class and property with its ru/en labels and
definitions, and the vocabularies the ontology reuses) and `model.png` / `model.svg` (classes and
the properties between them, from the ontology's domain/range axioms and from how the curated
data actually uses them). Everything is derived from the RDF with the queries in
`parkgraph/sparql/docs_*.rq`; nothing about the model is written down twice.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import DCTERMS, OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef

from parkgraph import paths
from parkgraph.atomic import atomic_write
from parkgraph.errors import ParkgraphError
from parkgraph.graph import ParkGraph
from parkgraph.namespaces import shorten
from parkgraph.sparql import internal_query

ONTDOC = Namespace("https://w3id.org/profile/ontdoc/")
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")

# Names of the vocabularies parkgraph reuses, keyed by namespace. Which of them the ontology
# really uses is read from the ontology; this table only names them for the reader.
VOCABULARIES: dict[str, str] = {
    "http://www.w3.org/ns/org#": "W3C Organization Ontology (ORG)",
    "https://schema.org/": "schema.org",
    "http://www.w3.org/ns/prov#": "W3C Provenance Ontology (PROV-O)",
    "http://xmlns.com/foaf/0.1/": "FOAF (Friend of a Friend)",
    "http://www.w3.org/2004/02/skos/core#": "SKOS (Simple Knowledge Organization System)",
    "http://www.w3.org/2006/time#": "W3C Time Ontology in OWL (OWL-Time)",
    "http://purl.org/dc/terms/": "DCMI Metadata Terms",
    "http://purl.org/vocab/vann/": "VANN (vocabulary for annotating vocabulary descriptions)",
}
# Namespaces every OWL file uses; they are the language, not a reused vocabulary.
LANGUAGE_NAMESPACES = (str(OWL), str(RDF), str(RDFS), "http://www.w3.org/2001/XMLSchema#")

# When a node has several types that are not subclasses of one another (foaf:Person and
# schema:Person; org:Site and schema:Place), the diagram files it under the first vocabulary here.
VOCABULARY_PREFERENCE = ("pg", "org", "foaf", "schema", "time", "skos", "prov")
# Literal-valued properties every node has; left out of the diagram's attribute lists.
NAMING_PROPERTIES = {RDFS.label, RDFS.comment, SKOS.prefLabel, SKOS.altLabel, SKOS.definition}
MAX_ATTRIBUTES = 8


@dataclass
class Term:
    """One term the ontology defines: its IRI, types, labels and descriptions by language."""

    iri: URIRef
    types: set[URIRef] = field(default_factory=set)
    labels: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def kind(self) -> str:
        """"class", "property" or "individual" (anything else the ontology names, e.g. a plan status)."""
        if OWL.Class in self.types or RDFS.Class in self.types:
            return "class"
        if self.types & {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property}:
            return "property"
        return "individual"


def ontology_terms(ontology: ParkGraph) -> list[Term]:
    """Every term in the ontology's own namespace with its labels and definitions (docs_terms.rq)."""
    terms: dict[URIRef, Term] = {}
    for row in ontology.sparql(internal_query("docs_terms")).dicts():
        term = terms.setdefault(row["term"], Term(row["term"]))
        term.types.add(row["type"])
        for lang in ("en", "ru"):
            if row[f"label{lang.title()}"] is not None:
                term.labels[lang] = str(row[f"label{lang.title()}"])
            for key in (f"definition{lang.title()}", f"comment{lang.title()}"):
                text = row[key]
                if text is not None and str(text) not in term.descriptions[lang]:
                    term.descriptions[lang].append(str(text))
    return sorted(terms.values(), key=lambda t: (t.kind, str(t.iri)))


def reused_vocabularies(ontology: Graph) -> dict[str, list[str]]:
    """Namespace -> the terms of it the ontology mentions, for every namespace other than its own."""
    own = {str(ns) for ns in ontology.objects(None, URIRef("http://purl.org/vocab/vann/preferredNamespaceUri"))}
    used: dict[str, set[str]] = defaultdict(set)
    for triple in ontology:
        for node in triple:
            if not isinstance(node, URIRef):
                continue
            for namespace in VOCABULARIES:
                if str(node).startswith(namespace) and namespace not in own:
                    used[namespace].add(short_name(node))
    return {ns: sorted(used[ns]) for ns in VOCABULARIES if ns in used}


def short_name(iri: URIRef | str) -> str:
    """An IRI as a prefixed name (org:Membership), or the IRI when no prefix is known."""
    text = str(iri)
    for namespace, prefix in (("http://purl.org/dc/terms/", "dcterms"), ("http://purl.org/vocab/vann/", "vann")):
        if text.startswith(namespace):
            return f"{prefix}:{text[len(namespace):]}"
    return shorten(text)


def pylode_graph(ontology: Graph, terms: Sequence[Term]) -> Graph:
    """A copy of the ontology shaped for pyLODE, which is not language-aware.

    pyLODE shows every rdfs:label as the heading, glued together, and derives anchors from the
    first one (a Russian label gives an empty anchor). So in this copy each term gets one
    heading "English · Русский", descriptions are marked with their language, a class lists
    the named values that are its instances, and the ontology names the vocabularies it reuses.
    The ontology file itself is not changed.
    """
    docs = Graph()
    for prefix, namespace in ontology.namespaces():
        docs.bind(prefix, namespace)
    docs += ontology
    for ontology_iri in ontology.subjects(RDF.type, OWL.Ontology):
        titles = {lit.language: str(lit) for lit in ontology.objects(ontology_iri, DCTERMS.title)}
        docs.remove((ontology_iri, RDFS.label, None))
        docs.remove((ontology_iri, DCTERMS.title, None))
        docs.add((ontology_iri, DCTERMS.title, Literal(" · ".join(titles[k] for k in sorted(titles)))))
        for namespace, used in reused_vocabularies(ontology).items():
            note = f"Reuses {VOCABULARIES[namespace]} — {namespace} — terms used: {', '.join(used)}"
            docs.add((ontology_iri, SKOS.note, Literal(note)))
    for term in terms:
        if term.labels:
            heading = " · ".join(term.labels[lang] for lang in ("en", "ru") if lang in term.labels)
            docs.remove((term.iri, RDFS.label, None))
            docs.remove((term.iri, SKOS.prefLabel, None))
            docs.add((term.iri, DCTERMS.title, Literal(heading)))
        docs.remove((term.iri, SKOS.definition, None))
        docs.remove((term.iri, RDFS.comment, None))
        for lang in ("en", "ru"):
            for text in term.descriptions.get(lang, []):
                docs.add((term.iri, DCTERMS.description, Literal(f"({lang}) {text}")))
        if term.kind == "individual":
            for cls in term.types:
                docs.add((cls, ONTDOC.hasInstance, term.iri))
            if SKOS.ConceptScheme in term.types:
                # pyLODE would take a concept scheme for the document itself and merge its title
                # into the ontology's; here it is shown as a named individual that says its type.
                docs.remove((term.iri, RDF.type, SKOS.ConceptScheme))
                docs.add((term.iri, RDF.type, OWL.NamedIndividual))
                docs.add((term.iri, DCTERMS.description, Literal("(type) skos:ConceptScheme")))
    return docs


def _import_ontpub() -> type:
    """pyLODE's OntPub class, imported without the DEBUG root log handler its import installs."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        from pylode import OntPub
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    return OntPub


def ontology_html(ontology_file: Path) -> str:
    """The pyLODE (OntPub profile) HTML documentation of an ontology file."""
    ontpub = _import_ontpub()
    ontology = ParkGraph.open(files=[ontology_file])
    graph = pylode_graph(ontology.to_rdflib(), ontology_terms(ontology))
    with redirect_stdout(io.StringIO()):  # pyLODE prints progress; the caller reports what was written
        return ontpub(graph, sort_subjects=True).make_html()


# ---------------------------------------------------------------------------------------------
# The model diagram
# ---------------------------------------------------------------------------------------------


@dataclass
class Model:
    """Classes, the edges between them and each class's literal attributes, ready to draw."""

    classes: set[URIRef] = field(default_factory=set)
    own_classes: set[URIRef] = field(default_factory=set)
    labels: dict[URIRef, dict[str, str]] = field(default_factory=dict)
    subclass_edges: set[tuple[URIRef, URIRef]] = field(default_factory=set)
    used_edges: Counter[tuple[URIRef, URIRef, URIRef]] = field(default_factory=Counter)
    declared_edges: set[tuple[URIRef, URIRef, URIRef]] = field(default_factory=set)
    attributes: dict[URIRef, set[URIRef]] = field(default_factory=lambda: defaultdict(set))


def _superclasses(axioms: list[dict]) -> dict[URIRef, set[URIRef]]:
    """Each class's superclasses, transitively (from the ontology's rdfs:subClassOf)."""
    direct: dict[URIRef, set[URIRef]] = defaultdict(set)
    for row in axioms:
        if str(row["kind"]) == "subClassOf":
            direct[row["subject"]].add(row["range"])
    closed: dict[URIRef, set[URIRef]] = {}
    for cls in list(direct):
        seen: set[URIRef] = set()
        todo = list(direct[cls])
        while todo:
            parent = todo.pop()
            if parent not in seen:
                seen.add(parent)
                todo.extend(direct.get(parent, ()))
        closed[cls] = seen
    return closed


def _preference(cls: URIRef) -> tuple[int, str]:
    name = short_name(cls)
    prefix = name.split(":", 1)[0]
    rank = VOCABULARY_PREFERENCE.index(prefix) if prefix in VOCABULARY_PREFERENCE else len(VOCABULARY_PREFERENCE)
    return rank, name


def primary_type(types: set[URIRef], superclasses: dict[URIRef, set[URIRef]]) -> URIRef:
    """The one type a node is drawn under: its most specific type, then by vocabulary preference."""
    specific = {t for t in types if not any(t in superclasses.get(other, ()) for other in types if other != t)}
    return min(specific or types, key=_preference)


def build_model(graph: ParkGraph) -> Model:
    """Read the model from the graph: ontology axioms plus the data's actual use of each property."""
    model = Model()
    terms = ontology_terms(graph)
    for term in terms:
        model.labels[term.iri] = term.labels
        if term.kind == "class":
            model.own_classes.add(term.iri)
    model.classes |= model.own_classes
    axioms = graph.sparql(internal_query("docs_class_axioms")).dicts()
    superclasses = _superclasses(axioms)
    for row in axioms:
        if str(row["kind"]) == "subClassOf" and row["subject"] in model.own_classes:
            model.subclass_edges.add((row["subject"], row["range"]))

    types: dict[URIRef, set[URIRef]] = defaultdict(set)
    for row in graph.sparql(internal_query("docs_node_types")).dicts():
        types[row["node"]].add(row["type"])
    node_class = {node: primary_type(ts, superclasses) for node, ts in types.items()}
    used_properties: set[URIRef] = set()
    for row in graph.sparql(internal_query("docs_usage")).dicts():
        subject_class = node_class.get(row["subject"])
        prop = row["property"]
        if subject_class is None or prop == PROV_DERIVED:
            continue
        if row["literal"].toPython():
            if prop not in NAMING_PROPERTIES:
                model.attributes[subject_class].add(prop)
            continue
        object_class = node_class.get(row["object"])
        if object_class is None:
            continue  # e.g. a Wikidata IRI: not a node of the graph
        model.used_edges[(subject_class, prop, object_class)] += 1
        model.classes |= {subject_class, object_class}
        used_properties.add(prop)

    for row in axioms:
        if str(row["kind"]) != "property" or row["subject"] in used_properties:
            continue
        domain = row["domain"] or OWL.Thing  # no declared domain: anything may have it
        rng = row["range"]
        if row["propertyType"] == OWL.DatatypeProperty or (rng is not None and _is_datatype(rng)):
            model.attributes[domain].add(row["subject"])
            model.classes.add(domain)
        else:
            model.declared_edges.add((domain, row["subject"], rng or OWL.Thing))
            model.classes |= {domain, rng or OWL.Thing}
    return model


def _is_datatype(iri: URIRef) -> bool:
    """XSD datatypes and rdf:langString: the range of an attribute, not of an edge."""
    return str(iri).startswith("http://www.w3.org/2001/XMLSchema#") or iri in (RDF.langString, RDFS.Literal)


def _quote(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_id(cls: URIRef) -> str:
    return _quote(short_name(cls))


def model_dot(model: Model, lang: str = "ru") -> str:
    """The model as graphviz DOT: one box per class, labelled arrows for properties.

    Solid arrows: used in the data. Dashed: declared by rdfs:domain/rdfs:range, not used yet.
    Hollow-headed grey arrows: rdfs:subClassOf between drawn classes; a superclass drawn nowhere
    else is named in the box. Attributes (literal-valued properties) are listed in the box.
    """
    lines = [
        "digraph parkgraph_model {",
        '  graph [rankdir=TB, fontname="DejaVu Sans", fontsize=11, nodesep=0.25, ranksep=0.6,',
        '         label="parkgraph model: solid = used in the data, dashed = declared only, '
        'hollow = subclass of; every node also has prov:wasDerivedFrom → its source", labelloc=t];',
        '  node [shape=box, style="rounded,filled", fontname="DejaVu Sans", fontsize=10, fillcolor="#ffffff"];',
        '  edge [fontname="DejaVu Sans", fontsize=9, color="#444444"];',
    ]
    parents: dict[URIRef, list[str]] = defaultdict(list)
    for sub, sup in sorted(model.subclass_edges):
        if sup not in model.classes:  # a superclass drawn nowhere else is named in the box
            parents[sub].append(short_name(sup))
    for cls in sorted(model.classes, key=short_name):
        title = short_name(cls)
        local = model.labels.get(cls, {}).get(lang)
        text = title + (f"\n{local}" if local else "")
        if parents.get(cls):
            text += "\nsubclass of " + ", ".join(parents[cls])
        attributes = sorted(short_name(a) for a in model.attributes.get(cls, ()))
        if attributes:
            shown = attributes[:MAX_ATTRIBUTES]
            more = len(attributes) - len(shown)
            text += "\n—\n" + "\n".join(shown) + (f"\n… {more} more" if more else "")
        fill = "#dbe9f7" if cls in model.own_classes else "#f4f4f4"
        lines.append(f"  {_node_id(cls)} [label={_quote(text)}, fillcolor={_quote(fill)}];")
    for sub, sup in sorted(model.subclass_edges):
        if sup not in model.classes:
            continue
        lines.append(f"  {_node_id(sub)} -> {_node_id(sup)} [arrowhead=onormal, color=\"#999999\", style=solid];")
    for subject, prop, obj in sorted(model.used_edges):
        lines.append(f"  {_node_id(subject)} -> {_node_id(obj)} [label={_quote(short_name(prop))}];")
    for subject, prop, obj in sorted(model.declared_edges):
        lines.append(f"  {_node_id(subject)} -> {_node_id(obj)} [label={_quote(short_name(prop))}, style=dashed];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw_dot(source: str, formats: Sequence[str] = ("png", "svg")) -> dict[str, bytes]:
    """The DOT source drawn by graphviz's `dot` in each format (nothing is written)."""
    dot = shutil.which("dot")
    if dot is None:
        raise ParkgraphError(
            "graphviz 'dot' is not installed, so the model diagram cannot be drawn",
            hint="install graphviz (Debian: apt-get install graphviz) and run make docs again",
        )
    drawn = {}
    for fmt in formats:
        extra = ["-Gdpi=110"] if fmt == "png" else []
        done = subprocess.run([dot, f"-T{fmt}", *extra], input=source.encode("utf-8"), capture_output=True)
        if done.returncode != 0:
            raise ParkgraphError(
                f"graphviz dot failed to draw the model ({fmt}): {done.stderr.decode('utf-8', 'replace').strip()}",
                hint="check the graphviz installation (dot -V)",
            )
        drawn[fmt] = done.stdout
    return drawn


def build_docs(out_dir: Path, files: Sequence[Path] | None = None, lang: str = "ru") -> list[Path]:
    """Write ontology.html, model.dot, model.png and model.svg into `out_dir`; return the paths.

    `files` are the ontology first, then the data whose use of the properties the diagram shows
    (default: ontology/parkgraph.ttl and data/triples.ttl).
    """
    files = [Path(f) for f in (files or paths.default_files())]
    ontology_file = files[0]
    out_dir = Path(out_dir)
    html_path = out_dir / "ontology.html"
    # Everything is made before anything is written, so a failure (no graphviz) leaves the old set whole.
    html = ontology_html(ontology_file)
    source = model_dot(build_model(ParkGraph.open(files=files)), lang=lang)
    images = draw_dot(source)
    dot_path = out_dir / "model.dot"
    outputs: dict[Path, str | bytes] = {html_path: html, dot_path: source}
    outputs.update({(out_dir / "model").with_suffix(f".{fmt}"): image for fmt, image in images.items()})
    for target, content in outputs.items():
        with atomic_write(target, "wb") as handle:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)
    return list(outputs)
