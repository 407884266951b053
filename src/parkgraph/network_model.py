"""The table behind the network view: which classes are entity nodes, how they look, and
which n-ary nodes collapse into edges or attributes. Edit this table, not the code, to change them."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef
from rdflib.namespace import FOAF, ORG, OWL, PROV, TIME

from parkgraph.namespaces import PG, SCHEMA


@dataclass(frozen=True)
class Kind:
    """A group of classes drawn alike: one colour, one shape, one legend entry, one filter."""

    key: str
    en: str
    ru: str
    color: str
    shape: str
    classes: tuple[URIRef, ...]
    nary: bool = False  # an n-ary node that is collapsed unless asked to keep it

    def label(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en


# The first kind whose classes include one of a node's classes (or their superclasses) wins,
# so specific kinds come before general ones. A node of none of these classes is no entity.
KINDS: tuple[Kind, ...] = (
    Kind("person", "Person", "Человек", "#e4572e", "dot", (FOAF.Person, SCHEMA.Person)),
    Kind("park", "Industrial park or zone", "Индустриальный парк или ОЭЗ", "#2e86ab", "diamond",
         (PG.IndustrialPark, PG.SpecialEconomicZone)),
    Kind("association", "Industry association", "Отраслевая ассоциация", "#3bb273", "square",
         (PG.IndustryAssociation,)),
    Kind("intergovernmental", "Intergovernmental organization or body", "Межгосударственная организация или орган",
         "#264653", "hexagon", (PG.IntergovernmentalOrganization, PG.InformalGrouping, PG.GoverningBody)),
    Kind("company", "Company", "Компания", "#f6ae2d", "triangle", (PG.Company,)),
    Kind("organization", "Organization", "Организация", "#86bbd8", "square", (ORG.Organization,)),
    Kind("country", "Country", "Страна", "#a23b72", "star", (SCHEMA.Country,)),
    Kind("site", "Site", "Площадка", "#00798c", "triangleDown", (ORG.Site,)),
    Kind("place", "Place", "Место", "#c9a227", "dot", (SCHEMA.Place,)),
    Kind("event", "Event", "Мероприятие", "#9b5de5", "hexagon", (SCHEMA.Event,)),
    Kind("initiative", "Plan, cooperation or request", "План, сотрудничество или обращение", "#8d99ae", "triangle",
         (PG.Plan, PG.Cooperation, PG.Request)),
    Kind("model", "Development model", "Модель развития", "#b5838d", "star", (PG.DevelopmentModel,)),
    Kind("membership", "Membership", "Членство", "#adb5bd", "dot", (ORG.Membership,), nary=True),
    Kind("figure", "Stated figure", "Озвученный показатель", "#ced4da", "dot", (PG.StatedFigure,), nary=True),
)

# org:Membership collapses into one edge member -> organization carrying role and dates.
MEMBERSHIP = ORG.Membership
MEMBERSHIP_EDGE = ORG.memberOf
MEMBER, ORGANIZATION, ROLE, DURING = ORG.member, ORG.organization, ORG.role, ORG.memberDuring

# pg:StatedFigure collapses into an entry of the `figures` attribute of the entity it is about.
FIGURE = PG.StatedFigure
FIGURE_ABOUT = SCHEMA.observationAbout

# Interval -> instant -> date, for membership dates and figure periods.
BEGINNING, END, DATE = TIME.hasBeginning, TIME.hasEnd, TIME.inXSDDate

# Where an inverse pair is stated both ways, only the first direction becomes an edge.
INVERSES: dict[URIRef, URIRef] = {
    ORG.siteOf: ORG.hasSite,
    ORG.unitOf: ORG.hasUnit,
    SCHEMA.subEvent: SCHEMA.superEvent,
}

# Predicates kept as node attributes holding IRIs (links out of the graph), never as edges.
IRI_ATTRIBUTES: dict[URIRef, str] = {OWL.sameAs: "same_as", SCHEMA.sameAs: "same_as"}
SOURCE = PROV.wasDerivedFrom

# ru/en labels for predicates the reused vocabularies label only in English or not at all
# (a label in the graph itself, as for pg: properties, takes precedence).
PREDICATE_LABELS: dict[URIRef, tuple[str, str]] = {
    ORG.memberOf: ("member of", "член"),
    ORG.headOf: ("head of", "руководитель"),
    ORG.hasSite: ("has site", "площадка"),
    ORG.hasPrimarySite: ("main site", "основная площадка"),
    ORG.siteOf: ("site of", "площадка организации"),
    ORG.hasUnit: ("has unit", "орган"),
    ORG.unitOf: ("unit of", "орган организации"),
    ORG.member: ("member", "член"),
    ORG.organization: ("organization", "организация"),
    SCHEMA.location: ("located in", "место"),
    SCHEMA.containedInPlace: ("part of", "входит в"),
    SCHEMA.superEvent: ("part of", "часть"),
    SCHEMA.subEvent: ("includes", "включает"),
    SCHEMA.performer: ("speaker", "спикер"),
    SCHEMA.attendee: ("attendee", "участник"),
    SCHEMA.about: ("about", "о"),
    SCHEMA.recipient: ("addressed to", "адресат"),
    SCHEMA.spatialCoverage: ("covers", "охватывает"),
    SCHEMA.observationAbout: ("about", "о"),
    PROV.wasAttributedTo: ("stated by", "со слов"),
    PROV.wasAssociatedWith: ("carried out by", "исполнитель"),
}

# Attribute keys of figures (collapsed pg:StatedFigure), in the order tooltips show them.
FIGURE_VALUES: dict[str, URIRef] = {
    "value": SCHEMA.value,
    "min": SCHEMA.minValue,
    "max": SCHEMA.maxValue,
    "approximate": PG.isApproximate,
    "unit": SCHEMA.unitText,
    "unit_code": SCHEMA.unitCode,
}
FIGURE_LINKS: dict[str, URIRef] = {
    "indicator": PG.indicator,
    "period": PG.refPeriod,
    "stated_by": PROV.wasAttributedTo,
    "stated_at": PG.statedAt,
}

# Namespaces in the order a node's "most specific class" is preferred among equally specific ones.
CLASS_PREFERENCE: tuple[str, ...] = (str(PG), str(FOAF), str(ORG), str(SCHEMA))
