"""A deterministic, SCO-sized synthetic graph in parkgraph's own ontology, written as a stream.

`parkgraph synth` builds parks and special economic zones in invented regions and cities of the
real SCO member states, the people who run them (with dated memberships and roles), resident
companies with sectors and directors, stated figures with indicator, unit, period, speaker,
event and source, and exhibitions with panel sessions, speakers and attendees. Every synthetic
node lives under ``https://w3id.org/parkgraph/id/synth/``, says "Synthetic" in its labels and is
``prov:wasDerivedFrom`` one synthetic source node; the real nodes it hangs off (the SCO, its
member states, four indicators, two roles and their sources) are copied verbatim from the
curated data, so the file validates on its own with the ontology and merges cleanly with it.

The same seed and sizes give a byte-identical file. Triples are generated and written entity by
entity; only per-park tables (a few integers per park) and the set of dates already written are
kept, so memory does not grow with the number of triples.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from parkgraph import paths
from parkgraph.atomic import atomic_write
from parkgraph.errors import ParkgraphError
from parkgraph.loading import parse_files
from parkgraph.sparql import internal_query

SYNTH = "https://w3id.org/parkgraph/id/synth/"
ID = "https://w3id.org/parkgraph/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"

DEFAULT_PARKS = 600
DEFAULT_RESIDENTS = 65_000
RESIDENTS_PER_PARK = DEFAULT_RESIDENTS / DEFAULT_PARKS
# Triples per park together with its share of residents, measured on the default graph
# (600 parks, 65,000 residents -> 1,014,733 triples at seed 1); used by --triples.
TRIPLES_PER_PARK_UNIT = 1691.2
MIN_TRIPLES, MAX_TRIPLES = 1_000, 20_000_000
# What one more park (its people, sites, figures, events; no residents) and one more resident company
# add, measured at seed 1 on big graphs (113.1 per park from 10,000 to 20,000 parks, 14.09 per resident
# from 100,000 to 200,000), rounded down: smaller graphs have more per entity, so an estimate from these
# is never above the real count. --parks/--residents are refused where the estimate passes MAX_TRIPLES
# (alone: about 177,000 parks or 1.4 million residents).
TRIPLES_PER_PARK, TRIPLES_PER_RESIDENT = 113, 14
FORMATS = ("nt", "ttl")

# Kinds of synthetic node; each is a namespace SYNTH/<kind>/ and, in Turtle, a prefix syn<kind>:.
KINDS = (
    "source", "sector", "role", "period", "instant", "interval", "place",
    "event", "park", "site", "person", "membership", "company", "figure",
)

PREDICATES: dict[str, tuple[str, str]] = {
    # name: (full IRI, Turtle spelling)
    "type": ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "a"),
    "label": ("http://www.w3.org/2000/01/rdf-schema#label", "rdfs:label"),
    "comment": ("http://www.w3.org/2000/01/rdf-schema#comment", "rdfs:comment"),
    "prefLabel": ("http://www.w3.org/2004/02/skos/core#prefLabel", "skos:prefLabel"),
    "source": ("http://www.w3.org/ns/prov#wasDerivedFrom", "prov:wasDerivedFrom"),
    "attributedTo": ("http://www.w3.org/ns/prov#wasAttributedTo", "prov:wasAttributedTo"),
    "memberOf": ("http://www.w3.org/ns/org#memberOf", "org:memberOf"),
    "headOf": ("http://www.w3.org/ns/org#headOf", "org:headOf"),
    "member": ("http://www.w3.org/ns/org#member", "org:member"),
    "organization": ("http://www.w3.org/ns/org#organization", "org:organization"),
    "role": ("http://www.w3.org/ns/org#role", "org:role"),
    "memberDuring": ("http://www.w3.org/ns/org#memberDuring", "org:memberDuring"),
    "hasSite": ("http://www.w3.org/ns/org#hasSite", "org:hasSite"),
    "hasPrimarySite": ("http://www.w3.org/ns/org#hasPrimarySite", "org:hasPrimarySite"),
    "siteOf": ("http://www.w3.org/ns/org#siteOf", "org:siteOf"),
    "containedInPlace": ("https://schema.org/containedInPlace", "schema:containedInPlace"),
    "location": ("https://schema.org/location", "schema:location"),
    "startDate": ("https://schema.org/startDate", "schema:startDate"),
    "endDate": ("https://schema.org/endDate", "schema:endDate"),
    "superEvent": ("https://schema.org/superEvent", "schema:superEvent"),
    "subEvent": ("https://schema.org/subEvent", "schema:subEvent"),
    "about": ("https://schema.org/about", "schema:about"),
    "performer": ("https://schema.org/performer", "schema:performer"),
    "attendee": ("https://schema.org/attendee", "schema:attendee"),
    "observationAbout": ("https://schema.org/observationAbout", "schema:observationAbout"),
    "value": ("https://schema.org/value", "schema:value"),
    "minValue": ("https://schema.org/minValue", "schema:minValue"),
    "unitText": ("https://schema.org/unitText", "schema:unitText"),
    "unitCode": ("https://schema.org/unitCode", "schema:unitCode"),
    "indicator": ("https://w3id.org/parkgraph/ontology#indicator", "pg:indicator"),
    "refPeriod": ("https://w3id.org/parkgraph/ontology#refPeriod", "pg:refPeriod"),
    "statedAt": ("https://w3id.org/parkgraph/ontology#statedAt", "pg:statedAt"),
    "residentOf": ("https://w3id.org/parkgraph/ontology#residentOf", "pg:residentOf"),
    "sector": ("https://w3id.org/parkgraph/ontology#sector", "pg:sector"),
    "hasBeginning": ("http://www.w3.org/2006/time#hasBeginning", "time:hasBeginning"),
    "hasEnd": ("http://www.w3.org/2006/time#hasEnd", "time:hasEnd"),
    "inXSDDate": ("http://www.w3.org/2006/time#inXSDDate", "time:inXSDDate"),
}

CLASSES: dict[str, tuple[str, str]] = {
    "Entity": ("http://www.w3.org/ns/prov#Entity", "prov:Entity"),
    "Sector": ("https://w3id.org/parkgraph/ontology#Sector", "pg:Sector"),
    "Role": ("http://www.w3.org/ns/org#Role", "org:Role"),
    "ProperInterval": ("http://www.w3.org/2006/time#ProperInterval", "time:ProperInterval"),
    "Interval": ("http://www.w3.org/2006/time#Interval", "time:Interval"),
    "Instant": ("http://www.w3.org/2006/time#Instant", "time:Instant"),
    "AdministrativeArea": ("https://schema.org/AdministrativeArea", "schema:AdministrativeArea"),
    "City": ("https://schema.org/City", "schema:City"),
    "Place": ("https://schema.org/Place", "schema:Place"),
    "ExhibitionEvent": ("https://schema.org/ExhibitionEvent", "schema:ExhibitionEvent"),
    "PanelSession": ("https://w3id.org/parkgraph/ontology#PanelSession", "pg:PanelSession"),
    "IndustrialPark": ("https://w3id.org/parkgraph/ontology#IndustrialPark", "pg:IndustrialPark"),
    "SpecialEconomicZone": ("https://w3id.org/parkgraph/ontology#SpecialEconomicZone", "pg:SpecialEconomicZone"),
    "Site": ("http://www.w3.org/ns/org#Site", "org:Site"),
    "Person": ("http://xmlns.com/foaf/0.1/Person", "foaf:Person"),
    "SchemaPerson": ("https://schema.org/Person", "schema:Person"),
    "Membership": ("http://www.w3.org/ns/org#Membership", "org:Membership"),
    "Company": ("https://w3id.org/parkgraph/ontology#Company", "pg:Company"),
    "StatedFigure": ("https://w3id.org/parkgraph/ontology#StatedFigure", "pg:StatedFigure"),
}

TURTLE_PREFIXES = {
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": XSD,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "schema": "https://schema.org/",
    "pg": "https://w3id.org/parkgraph/ontology#",
}

# Real nodes of the curated data the synthetic graph points at (copied in by sparql/synth_frame.rq).
SCO = f"<{ID}org/sco>"
INDICATORS = {
    name: f"<{ID}indicator/{name}>" for name in ("resident-companies", "jobs", "resident-revenue", "investment")
}
REAL_ROLES = {name: f"<{ID}role/{name}>" for name in ("general-director", "director")}

SECTORS = (
    ("mechanical-engineering", "Машиностроение", "Mechanical engineering"),
    ("metallurgy", "Металлургия", "Metallurgy"),
    ("chemicals", "Химическая промышленность", "Chemical industry"),
    ("food", "Пищевая промышленность", "Food industry"),
    ("pharmaceuticals", "Фармацевтика", "Pharmaceuticals"),
    ("electronics", "Электроника", "Electronics"),
    ("automotive", "Автомобилестроение", "Automotive"),
    ("textiles", "Текстильная промышленность", "Textiles"),
    ("building-materials", "Строительные материалы", "Building materials"),
    ("logistics", "Логистика", "Logistics"),
    ("it", "Информационные технологии", "Information technology"),
    ("energy", "Энергетика", "Energy"),
)
SYNTH_ROLES = (
    ("chief-engineer", "Главный инженер", "Chief engineer"),
    ("investment-manager", "Менеджер по инвестициям", "Investment manager"),
    ("resident-relations-manager", "Менеджер по работе с резидентами", "Resident relations manager"),
)
YEARS = tuple(range(2019, 2025))  # reference periods of the synthetic figures
MEMBERSHIP_START = dt.date(2005, 1, 1)
MEMBERSHIP_DAYS = (dt.date(2025, 6, 30) - MEMBERSHIP_START).days

Record = tuple[str, list[tuple[str, str]]]  # a subject and its (predicate, object) pairs, already spelled


@dataclass(frozen=True)
class SynthConfig:
    """What to generate: a seed and the number of parks and resident companies."""

    seed: int = 1
    parks: int = DEFAULT_PARKS
    residents: int = DEFAULT_RESIDENTS

    @classmethod
    def for_triples(cls, triples: int, seed: int = 1) -> SynthConfig:
        """Parks and residents in the SCO proportion (600 : 65,000) for about `triples` triples."""
        if not MIN_TRIPLES <= triples <= MAX_TRIPLES:
            raise ParkgraphError(
                f"--triples {triples} is out of range",
                hint=f"ask for between {MIN_TRIPLES:,} and {MAX_TRIPLES:,} triples",
            )
        parks = max(1, round(triples / TRIPLES_PER_PARK_UNIT))
        return cls(seed=seed, parks=parks, residents=round(parks * RESIDENTS_PER_PARK))

    def check(self) -> None:
        """Raise a ParkgraphError for sizes the generator cannot honour."""
        if self.parks < 1:
            raise ParkgraphError(f"--parks must be at least 1, got {self.parks}", hint="use --parks 1 or more")
        if self.residents < 0:
            raise ParkgraphError(
                f"--residents must not be negative, got {self.residents}", hint="use --residents 0 or more"
            )
        if self.seed < 0:
            raise ParkgraphError(f"--seed must not be negative, got {self.seed}", hint="use a seed of 0 or more")
        # Beyond the --triples cap the per-park tables alone could exhaust memory before a line is written.
        estimate = self.estimated_triples()
        if estimate > MAX_TRIPLES:
            fits = [
                f"--{option} {room:,} or fewer with these {other}"
                for option, room, other in (
                    ("parks", (MAX_TRIPLES - self.residents * TRIPLES_PER_RESIDENT) // TRIPLES_PER_PARK, "residents"),
                    ("residents", (MAX_TRIPLES - self.parks * TRIPLES_PER_PARK) // TRIPLES_PER_RESIDENT, "parks"),
                )
                if room >= (1 if option == "parks" else 0)
            ]
            raise ParkgraphError(
                f"--parks {self.parks:,} with --residents {self.residents:,} would make at least {estimate:,} "
                f"triples, more than the {MAX_TRIPLES:,} synth writes",
                hint="use " + ", ".join([*fits, f"or --triples N (up to {MAX_TRIPLES:,}) for about N triples"]),
            )

    def estimated_triples(self) -> int:
        """A lower bound of the number of triples this config gives (see TRIPLES_PER_PARK)."""
        return self.parks * TRIPLES_PER_PARK + self.residents * TRIPLES_PER_RESIDENT


@dataclass(frozen=True)
class SynthSummary:
    """What `write_synthetic` wrote."""

    path: Path
    format: str
    triples: int
    bytes: int
    config: SynthConfig


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


class Terms:
    """How IRIs and literals are spelled in one syntax: N-Triples (full IRIs) or Turtle (prefixes)."""

    def __init__(self, fmt: str) -> None:
        self.turtle = fmt == "ttl"
        self.p = {name: (spelled[1] if self.turtle else f"<{spelled[0]}>") for name, spelled in PREDICATES.items()}
        self.c = {name: (spelled[1] if self.turtle else f"<{spelled[0]}>") for name, spelled in CLASSES.items()}
        self._date = "^^xsd:date" if self.turtle else f"^^<{XSD}date>"
        self._integer = f"^^<{XSD}integer>"

    def iri(self, kind: str, local: str | int) -> str:
        """A synthetic node's IRI: SYNTH/<kind>/<local>."""
        return f"syn{kind}:{local}" if self.turtle else f"<{SYNTH}{kind}/{local}>"

    @staticmethod
    def lang(text: str, tag: str) -> str:
        return f'"{_escape(text)}"@{tag}'

    @staticmethod
    def string(text: str) -> str:
        return f'"{_escape(text)}"'

    def integer(self, number: int) -> str:
        return str(number) if self.turtle else f'"{number}"{self._integer}'

    def date(self, day: dt.date) -> str:
        return f'"{day.isoformat()}"{self._date}'


@dataclass(frozen=True)
class Country:
    """A real SCO member state from the curated data, with its labels."""

    iri: str
    ru: str
    en: str


def frame(data_files: list[Path] | None = None) -> tuple[list[str], list[Country]]:
    """The real nodes copied from the curated data, as sorted N-Triples lines, and the SCO states."""
    graph = parse_files(data_files or [paths.data_file()])
    framed = Graph()
    for triple in graph.query(internal_query("synth_frame")):
        framed.add(triple)
    lines = sorted(line for line in framed.serialize(format="nt").splitlines() if line.strip())
    countries = []
    for node in sorted({s for s in framed.subjects(URIRef("http://www.w3.org/ns/org#memberOf"), URIRef(SCO[1:-1]))}):
        labels = {lit.language: str(lit) for lit in framed.objects(node, RDFS.label) if isinstance(lit, Literal)}
        countries.append(Country(f"<{node}>", labels.get("ru", str(node)), labels.get("en", str(node))))
    if not countries or not lines:
        raise ParkgraphError(
            "the curated data has no SCO member states to hang the synthetic graph on",
            file=str(paths.data_file()),
            hint="check that data/triples.ttl holds the SCO (id/org/sco) and its member countries",
        )
    return [line + "\n" for line in lines], countries


class _Generator:
    """Generates the synthetic graph entity by entity (see `records`)."""

    def __init__(self, config: SynthConfig, terms: Terms, countries: list[Country]) -> None:
        self.cfg = config
        self.t = terms
        self.countries = countries
        self.rng = random.Random(config.seed)
        self.src = terms.iri("source", f"seed-{config.seed}")
        self.dates_written: set[dt.date] = set()
        self.intervals_written: set[dt.date] = set()
        self._plan()

    # ---- per-park tables, drawn up front (a few integers per park) ----
    def _plan(self) -> None:
        rng, parks = self.rng, self.cfg.parks
        self.n_regions = min(max(parks // 5, len(self.countries)), 400)
        self.cities_per_region = 3
        self.park_city = [rng.randrange(self.n_regions * self.cities_per_region) for _ in range(parks)]
        self.park_sez = [rng.random() < 0.2 for _ in range(parks)]
        self.park_people = [rng.randint(3, 5) for _ in range(parks)]
        weights = [rng.lognormvariate(0.0, 0.8) for _ in range(parks)]
        total = sum(weights)
        shares = [w / total * self.cfg.residents for w in weights]
        counts = [int(s) for s in shares]
        by_remainder = sorted(range(parks), key=lambda p: (counts[p] - shares[p], p))
        for p in by_remainder[: self.cfg.residents - sum(counts)]:
            counts[p] += 1
        self.park_residents = counts
        self.n_exhibitions = max(1, parks // 10)
        self.sessions_per_exhibition = 2

    # ---- small helpers ----
    def _labels(self, ru: str, en: str) -> list[tuple[str, str]]:
        t = self.t
        return [(t.p["label"], t.lang(ru, "ru")), (t.p["label"], t.lang(en, "en"))]

    def _instant(self, day: dt.date) -> Iterator[Record]:
        if day in self.dates_written:
            return
        self.dates_written.add(day)
        t = self.t
        yield t.iri("instant", day.isoformat()), [(t.p["type"], t.c["Instant"]), (t.p["inXSDDate"], t.date(day))]

    def _since(self, day: dt.date) -> Iterator[Record]:
        """The open interval starting on `day` (and its instant), written once per date."""
        # Its own record of what was written: the instant may already exist for another reason
        # (an event or period on the same day), and the interval must still be written.
        if day in self.intervals_written:
            return
        self.intervals_written.add(day)
        yield from self._instant(day)
        t = self.t
        yield t.iri("interval", f"since-{day.isoformat()}"), [
            (t.p["type"], t.c["Interval"]),
            (t.p["hasBeginning"], t.iri("instant", day.isoformat())),
        ]

    def _random_day(self) -> dt.date:
        return MEMBERSHIP_START + dt.timedelta(days=self.rng.randrange(MEMBERSHIP_DAYS))

    def _session(self) -> str:
        e = self.rng.randrange(self.n_exhibitions)
        return self.t.iri("event", f"{e}-session-{self.rng.randrange(self.sessions_per_exhibition)}")

    def _park_person(self) -> tuple[int, int]:
        p = self.rng.randrange(self.cfg.parks)
        return p, self.rng.randrange(self.park_people[p])

    def city_iri(self, c: int) -> str:
        return self.t.iri("place", f"city-{c}")

    # ---- the graph ----
    def records(self) -> Iterator[Record]:
        yield from self._vocabulary()
        yield from self._geography()
        yield from self._events()
        first = 0
        for p in range(self.cfg.parks):
            yield from self._park(p)
            for i in range(first, first + self.park_residents[p]):
                yield from self._resident(i, p)
            first += self.park_residents[p]

    def _vocabulary(self) -> Iterator[Record]:
        t = self.t
        yield self.src, [
            (t.p["type"], t.c["Entity"]),
            *self._labels(
                f"Синтетические данные parkgraph (seed {self.cfg.seed})",
                f"Synthetic parkgraph data (seed {self.cfg.seed})",
            ),
            (t.p["comment"], t.lang(
                "Generated by `parkgraph synth` for tests and benchmarks; the parks, companies, people, "
                "figures and events are invented, only the SCO and its member states are real.", "en")),
        ]
        for slug, ru, en in SECTORS:
            yield t.iri("sector", slug), [
                (t.p["type"], t.c["Sector"]), *self._labels(ru, en),
                (t.p["prefLabel"], t.lang(ru, "ru")), (t.p["prefLabel"], t.lang(en, "en")),
                (t.p["source"], self.src),
            ]
        for slug, ru, en in SYNTH_ROLES:
            yield t.iri("role", slug), [(t.p["type"], t.c["Role"]), *self._labels(ru, en), (t.p["source"], self.src)]
        for year in YEARS:
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
            yield from self._instant(start)
            yield from self._instant(end)
            yield t.iri("period", year), [
                (t.p["type"], t.c["ProperInterval"]),
                *self._labels(f"{year} год", f"year {year}"),
                (t.p["hasBeginning"], t.iri("instant", start.isoformat())),
                (t.p["hasEnd"], t.iri("instant", end.isoformat())),
            ]

    def _geography(self) -> Iterator[Record]:
        t = self.t
        for r in range(self.n_regions):
            country = self.countries[r % len(self.countries)]
            region = t.iri("place", f"region-{r}")
            yield region, [
                (t.p["type"], t.c["AdministrativeArea"]),
                *self._labels(f"Синтетический регион {r} ({country.ru})", f"Synthetic Region {r} ({country.en})"),
                (t.p["containedInPlace"], country.iri),
                (t.p["source"], self.src),
            ]
            for j in range(self.cities_per_region):
                c = r * self.cities_per_region + j
                yield self.city_iri(c), [
                    (t.p["type"], t.c["City"]),
                    *self._labels(f"Синтетический город {c}", f"Synthetic City {c}"),
                    (t.p["containedInPlace"], region),
                    (t.p["source"], self.src),
                ]

    def _events(self) -> Iterator[Record]:
        t, rng = self.t, self.rng
        n_cities = self.n_regions * self.cities_per_region
        wanted = min(6, sum(self.park_people))
        for e in range(self.n_exhibitions):
            city = self.city_iri(rng.randrange(n_cities))
            start = dt.date(rng.choice(YEARS + (2025,)), rng.randint(1, 12), rng.randint(1, 25))
            sessions = [t.iri("event", f"{e}-session-{k}") for k in range(self.sessions_per_exhibition)]
            exhibition = t.iri("event", e)
            yield exhibition, [
                (t.p["type"], t.c["ExhibitionEvent"]),
                *self._labels(f"Синтетическая промышленная выставка {e}", f"Synthetic Industrial Exhibition {e}"),
                (t.p["startDate"], t.date(start)),
                (t.p["endDate"], t.date(start + dt.timedelta(days=3))),
                (t.p["location"], city),
                *[(t.p["subEvent"], s) for s in sessions],
                (t.p["source"], self.src),
            ]
            for k, session in enumerate(sessions):
                people: dict[tuple[int, int], None] = {}  # insertion-ordered set
                while len(people) < wanted:
                    people[self._park_person()] = None
                chosen = list(people)
                speakers, listeners = chosen[:3], chosen[3:]
                yield session, [
                    (t.p["type"], t.c["PanelSession"]),
                    *self._labels(
                        f"Синтетическая панельная сессия {e}-{k}", f"Synthetic Panel Session {e}-{k}"
                    ),
                    (t.p["superEvent"], exhibition),
                    (t.p["location"], city),
                    (t.p["startDate"], t.date(start + dt.timedelta(days=k))),
                    (t.p["about"], SCO),
                    *[(t.p["performer"], t.iri("person", f"park-{p}-{j}")) for p, j in speakers],
                    *[(t.p["attendee"], t.iri("person", f"park-{p}-{j}")) for p, j in listeners],
                    (t.p["source"], self.src),
                ]

    def _membership(
        self, name: str, person: str, org: str, role: str, ru: str, en: str
    ) -> Iterator[Record]:
        t = self.t
        day = self._random_day()
        yield from self._since(day)
        yield t.iri("membership", name), [
            (t.p["type"], t.c["Membership"]),
            *self._labels(ru, en),
            (t.p["member"], person),
            (t.p["organization"], org),
            (t.p["role"], role),
            (t.p["memberDuring"], t.iri("interval", f"since-{day.isoformat()}")),
            (t.p["source"], self.src),
        ]

    def _figure(
        self, name: str, about: str, indicator: str, amount: tuple[str, int], unit: tuple[str, str],
        ru: str, en: str, year: int, speaker: str | None, event: str | None,
    ) -> Record:
        t = self.t
        pairs = [
            (t.p["type"], t.c["StatedFigure"]),
            *self._labels(ru, en),
            (t.p["observationAbout"], about),
            (t.p["indicator"], INDICATORS[indicator]),
            (t.p[amount[0]], t.integer(amount[1])),
            (t.p["unitText"], t.string(unit[0])),
            (t.p["unitCode"], t.string(unit[1])),
            (t.p["refPeriod"], t.iri("period", year)),
        ]
        if speaker:
            pairs.append((t.p["attributedTo"], speaker))
        if event:
            pairs.append((t.p["statedAt"], event))
        pairs.append((t.p["source"], self.src))
        return t.iri("figure", name), pairs

    def _park(self, p: int) -> Iterator[Record]:
        t, rng = self.t, self.rng
        sez = self.park_sez[p]
        park = t.iri("park", p)
        ru_name = f"Синтетическая ОЭЗ {p}" if sez else f"Синтетический парк {p}"
        en_name = f"Synthetic SEZ {p}" if sez else f"Synthetic Park {p}"
        city = self.park_city[p]
        region_first = city - city % self.cities_per_region
        site_cities = [city]
        if rng.random() < 0.3:
            site_cities.append(region_first + (city + 1) % self.cities_per_region)
        sites = [t.iri("site", f"{p}-{k}") for k in range(len(site_cities))]
        yield park, [
            (t.p["type"], t.c["SpecialEconomicZone" if sez else "IndustrialPark"]),
            *self._labels(ru_name, en_name),
            (t.p["location"], self.city_iri(city)),
            *[(t.p["hasSite"], s) for s in sites],
            (t.p["hasPrimarySite"], sites[0]),
            (t.p["source"], self.src),
        ]
        for k, (site, site_city) in enumerate(zip(sites, site_cities, strict=True)):
            yield site, [
                (t.p["type"], t.c["Site"]),
                (t.p["type"], t.c["Place"]),
                *self._labels(f"Площадка {k} — {ru_name}", f"{en_name}, site {k}"),
                (t.p["siteOf"], park),
                (t.p["containedInPlace"], self.city_iri(site_city)),
                (t.p["source"], self.src),
            ]
        roles = [
            (REAL_ROLES["general-director"], "генеральный директор", "General Director"),
            (REAL_ROLES["director"], "директор", "Director"),
            *[(t.iri("role", slug), ru.lower(), en) for slug, ru, en in SYNTH_ROLES],
        ]
        for k in range(self.park_people[p]):
            person = t.iri("person", f"park-{p}-{k}")
            person_ru, person_en = f"Синтетический сотрудник {p}-{k}", f"Synthetic Person {p}-{k}"
            pairs = [
                (t.p["type"], t.c["Person"]),
                (t.p["type"], t.c["SchemaPerson"]),
                *self._labels(person_ru, person_en),
                (t.p["memberOf"], park),
            ]
            if k == 0:
                pairs.append((t.p["headOf"], park))
            pairs.append((t.p["source"], self.src))
            yield person, pairs
            role, role_ru, role_en = roles[k % len(roles)]
            yield from self._membership(
                f"park-{p}-{k}", person, park, role,
                f"{person_ru} — {role_ru}, {ru_name}", f"{person_en}, {role_en} of {en_name}",
            )
        head = t.iri("person", f"park-{p}-0")
        residents = self.park_residents[p]
        year = rng.choice(YEARS)
        yield self._figure(
            f"park-{p}-residents", park, "resident-companies", ("value", residents), ("count", "C62"),
            f"Резиденты: {ru_name}, {year}: {residents}", f"Residents of {en_name} in {year}: {residents}",
            year, head, self._session(),
        )
        jobs = max(1, residents) * rng.randint(20, 200)
        yield self._figure(
            f"park-{p}-jobs", park, "jobs", ("value", jobs), ("count", "C62"),
            f"Рабочие места: {ru_name}, {year}: {jobs}", f"Jobs at {en_name} in {year}: {jobs}",
            year, head, self._session(),
        )
        investment = rng.randint(1, 500) * 100_000_000
        yield self._figure(
            f"park-{p}-investment", park, "investment", ("minValue", investment), ("RUB", "RUB"),
            f"Инвестиции: {ru_name}: более {investment} руб.", f"Investment in {en_name}: over RUB {investment}",
            year, head, self._session(),
        )

    def _resident(self, i: int, p: int) -> Iterator[Record]:
        t, rng = self.t, self.rng
        company = t.iri("company", i)
        ru_name, en_name = f"Синтетическая компания {i}", f"Synthetic Company {i}"
        slug = SECTORS[rng.randrange(len(SECTORS))][0]
        yield company, [
            (t.p["type"], t.c["Company"]),
            *self._labels(ru_name, en_name),
            (t.p["residentOf"], t.iri("park", p)),
            (t.p["sector"], t.iri("sector", slug)),
            (t.p["location"], self.city_iri(self.park_city[p])),
            (t.p["source"], self.src),
        ]
        director = None
        if rng.random() < 0.3:
            director = t.iri("person", f"company-{i}")
            person_ru, person_en = f"Синтетический директор {i}", f"Synthetic Director {i}"
            yield director, [
                (t.p["type"], t.c["Person"]),
                (t.p["type"], t.c["SchemaPerson"]),
                *self._labels(person_ru, person_en),
                (t.p["memberOf"], company),
                (t.p["headOf"], company),
                (t.p["source"], self.src),
            ]
            yield from self._membership(
                f"company-{i}", director, company, REAL_ROLES["general-director"],
                f"{person_ru} — генеральный директор, {ru_name}", f"{person_en}, General Director of {en_name}",
            )
        if rng.random() < 0.25:
            year = rng.choice(YEARS)
            if rng.random() < 0.5:
                jobs = rng.randint(5, 2000)
                yield self._figure(
                    f"company-{i}-jobs", company, "jobs", ("value", jobs), ("count", "C62"),
                    f"Рабочие места: {ru_name}, {year}: {jobs}", f"Jobs at {en_name} in {year}: {jobs}",
                    year, director, None,
                )
            else:
                revenue = rng.randint(1, 5000) * 1_000_000
                yield self._figure(
                    f"company-{i}-revenue", company, "resident-revenue", ("value", revenue), ("RUB", "RUB"),
                    f"Выручка: {ru_name}, {year}: {revenue} руб.", f"Revenue of {en_name} in {year}: RUB {revenue}",
                    year, director, None,
                )


def records(config: SynthConfig, fmt: str = "nt", countries: list[Country] | None = None) -> Iterator[Record]:
    """The synthetic entities one by one, as (subject, [(predicate, object)]) spelled for `fmt`."""
    config.check()
    if countries is None:
        countries = frame()[1]
    return _Generator(config, Terms(fmt), countries).records()


def _header(fmt: str, config: SynthConfig) -> str:
    lines = [
        f"# Synthetic parkgraph graph: seed {config.seed}, {config.parks} parks, {config.residents} residents.",
        "# Generated by `parkgraph synth`; invented except for the SCO and its member states.",
    ]
    if fmt == "ttl":
        lines += [f"@prefix {prefix}: <{ns}> ." for prefix, ns in TURTLE_PREFIXES.items()]
        lines += [f"@prefix syn{kind}: <{SYNTH}{kind}/> ." for kind in KINDS]
    return "\n".join(lines) + "\n\n"


def iter_text(config: SynthConfig, fmt: str = "nt", counter: list[int] | None = None) -> Iterator[str]:
    """The file's text in small chunks (one entity each); `counter[0]` counts the triples written."""
    if fmt not in FORMATS:
        raise ParkgraphError(f"unknown format '{fmt}'", hint="use --format nt or --format ttl")
    config.check()
    frame_lines, countries = frame()
    count = counter if counter is not None else [0]
    yield _header(fmt, config)
    yield from frame_lines
    count[0] += len(frame_lines)
    if fmt == "ttl":
        yield "\n"
    for subject, pairs in records(config, fmt, countries):
        count[0] += len(pairs)
        if fmt == "ttl":
            yield subject + " " + " ;\n    ".join(f"{p} {o}" for p, o in pairs) + " .\n\n"
        else:
            yield "".join(f"{subject} {p} {o} .\n" for p, o in pairs)


def format_for(path: Path, fmt: str | None) -> str:
    """The output format: `fmt` if given, else from the file's suffix (.nt or .ttl)."""
    if fmt:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise ParkgraphError(f"unknown format '{fmt}'", hint="use --format nt or --format ttl")
        return fmt
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise ParkgraphError(
        f"cannot tell the output format from '{path.name}'",
        file=str(path),
        hint="name the file *.nt or *.ttl, or pass --format nt|ttl",
    )


def write_synthetic(path: Path | str, config: SynthConfig, fmt: str | None = None) -> SynthSummary:
    """Generate the graph for `config` and write it to `path` atomically, streaming."""
    target = Path(path)
    chosen = format_for(target, fmt)
    counter = [0]
    with atomic_write(target, "w", encoding="utf-8") as handle:
        handle.writelines(iter_text(config, chosen, counter))
    return SynthSummary(path=target, format=chosen, triples=counter[0], bytes=target.stat().st_size, config=config)


__all__ = ["SynthConfig", "SynthSummary", "Terms", "frame", "records", "iter_text", "write_synthetic", "format_for"]
