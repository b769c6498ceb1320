"""The data model in one table: each record kind, its YAML fields and the RDF they become.

``load`` uses it to check records, ``build`` to turn them into triples, and
the README's data-model table is written from it. A new field is added here
once and works everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import URIRef

from .namespaces import DCTERMS, FRAPO, ORG, PMKG, RDFS, SCHEMA

# Value types a field can hold (checked in load.py, converted in build.py).
TEXT = "text"            # plain string literal
TEXT_EN = "text@en"      # English-language prose literal
DATE = "date"            # YYYY-MM-DD | YYYY-MM | YYYY -> xsd:date | gYearMonth | gYear
DURATION = "duration"    # ISO 8601 duration -> xsd:duration
COUNTRY = "country"      # ISO 3166-1 alpha-2
URL = "url"              # http(s) URL -> IRI
ROR = "ror"              # https://ror.org/0xxxxxxxx -> IRI
WIKIDATA = "wikidata"    # Q123 -> wd:Q123
IDENT = "ident"          # identifier literal matching ``pattern``
DECIMAL = "decimal"
CURRENCY = "currency"    # ISO 4217
BOOL = "bool"
REF = "ref"              # record id of one of ``refs`` kinds -> entity IRI
CONCEPT = "concept"      # concept id in ``scheme`` -> concept IRI
INTEGER = "integer"      # a whole number > 0 -> xsd:integer
SIZE = "size"            # a declared consortium size: a mapping of SIZE_FIELDS -> schema:Observation nodes


@dataclass(frozen=True)
class Field:
    """One YAML field: its type, whether it is required or a list, and the predicates it fills."""

    name: str
    type: str
    predicates: tuple[URIRef, ...] = ()
    required: bool = False
    many: bool = False
    pattern: str | None = None       # for IDENT
    refs: tuple[str, ...] = ()       # for REF: record kinds it may point to
    scheme: str | None = None        # for CONCEPT
    iri_template: str | None = None  # for IDENT: also link schema:sameAs to this IRI
    datatype: URIRef | None = None   # for IDENT: the literal's datatype (plain string by default)
    doc: str = ""


@dataclass(frozen=True)
class Kind:
    """A record kind: its file, the classes every record gets, and its fields."""

    name: str
    file: str
    classes: tuple[URIRef, ...]
    fields: tuple[Field, ...]
    kind_field: str | None = None          # the CONCEPT field whose concept implies extra classes
    participants: bool = False
    fields_by_name: dict[str, Field] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.fields_by_name.update({f.name: f for f in self.fields})


ENTITY_KINDS = ("organisation", "project", "trial", "programme", "grant")
PARTICIPANT_REFS = ("organisation", "project")
NAME_PREDICATES = (SCHEMA.name,)
ACRONYM = Field("acronym", TEXT, (PMKG.acronym, SCHEMA.alternateName), doc="short name or acronym")
ALT_NAMES = Field("alt_names", TEXT, (SCHEMA.alternateName,), many=True, doc="other names")
DESCRIPTION = Field("description", TEXT_EN, (SCHEMA.description,))
WEBSITE = Field("website", URL, (SCHEMA.url,))
SAME_AS = Field("same_as", URL, (SCHEMA.sameAs,), many=True,
                doc="the same thing in other registries (ISNI, GRID, Crossref Funder ID, DOI ...)")
WIKIDATA_F = Field("wikidata", WIKIDATA, (PMKG.wikidata, SCHEMA.sameAs), doc="Wikidata QID, e.g. Q123")
START = Field("start", DATE, (SCHEMA.startDate,))
END = Field("end", DATE, (SCHEMA.endDate,))
KEYWORDS = Field("keywords", TEXT_EN, (SCHEMA.keywords,), many=True)
OBJECTIVE = Field("objective", TEXT_EN, (PMKG.objective,), many=True)
PART_OF = Field("part_of", REF, (DCTERMS.isPartOf,), many=True, refs=("project", "programme"))

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "organisation", "organisations.yaml", (SCHEMA.Organization, ORG.Organization),
            (
                Field("name", TEXT, (SCHEMA.name,), required=True),
                ACRONYM, ALT_NAMES,
                Field("kind", CONCEPT, (PMKG.organisationKind,), required=True, scheme="orgkind"),
                Field("sectors", CONCEPT, (PMKG.sector,), many=True, scheme="sector"),
                Field("country", COUNTRY, (SCHEMA.addressCountry,), required=True),
                Field("city", TEXT, (SCHEMA.addressLocality,)),
                Field("ror", ROR, (PMKG.ror, SCHEMA.sameAs)),
                Field("ror_status", IDENT, (PMKG.rorStatus,), pattern=r"^(active|inactive|withdrawn)$",
                      doc="the status of its ROR record: active, inactive or withdrawn"),
                Field("pic", IDENT, (ORG.identifier,), pattern=r"^\d+$", datatype=PMKG.PIC,
                      doc="the EU Participant Identification Code (CORDIS organisation id)"),
                WIKIDATA_F, WEBSITE, SAME_AS,
                Field("parent", REF, (SCHEMA.parentOrganization,), refs=("organisation",)),
                Field("founded", DATE, (SCHEMA.foundingDate,)),
                DESCRIPTION, OBJECTIVE,
                Field("collaborates_with_sectors", CONCEPT, (PMKG.involvesSector,), many=True, scheme="sector"),
            ),
            kind_field="kind", participants=True,
        ),
        Kind(
            "project", "projects.yaml", (SCHEMA.Project,),
            (
                Field("kind", CONCEPT, (PMKG.projectKind,), required=True, scheme="projectkind"),
                Field("title", TEXT, (SCHEMA.name,), required=True),
                ACRONYM, ALT_NAMES, DESCRIPTION, OBJECTIVE, START, END,
                Field("duration", DURATION, (SCHEMA.duration,)),
                Field("cordis", IDENT, (PMKG.cordisId,), pattern=r"^\d+$",
                      iri_template="https://cordis.europa.eu/project/id/{}"),
                WEBSITE, WIKIDATA_F, PART_OF,
                Field("sectors", CONCEPT, (PMKG.involvesSector,), many=True, scheme="sector"),
                KEYWORDS,
                # written by build.write_declared_sizes, not through predicates
                Field("declared_size", SIZE, (), many=True,
                      doc="consortium sizes sources declare: {partners, countries, source, date, note}"),
            ),
            kind_field="kind", participants=True,
        ),
        Kind(
            "trial", "trials.yaml", (SCHEMA.MedicalTrial,),
            (
                Field("title", TEXT, (SCHEMA.name,), required=True),
                ACRONYM, ALT_NAMES, DESCRIPTION,
                Field("nct", IDENT, (PMKG.nctId,), pattern=r"^NCT\d{8}$",
                      iri_template="https://clinicaltrials.gov/study/{}"),
                Field("eudract", IDENT, (PMKG.eudractNumber,), pattern=r"^\d{4}-\d{6}-\d{2}$"),
                Field("ctis", IDENT, (PMKG.ctisNumber,), pattern=r"^\d{4}-\d{6}-\d{2}-\d{2}$"),
                Field("countries", COUNTRY, (SCHEMA.addressCountry,), many=True),
                Field("design", CONCEPT, (PMKG.design,), many=True, scheme="design"),
                Field("phase", CONCEPT, (PMKG.phase,), many=True, scheme="phase"),
                Field("status", CONCEPT, (PMKG.status,), scheme="status"),
                START, END,
                Field("inspired_by", REF, (PMKG.inspiredBy,), many=True, refs=("trial",)),
                Field("successor_of", REF, (PMKG.successorOf,), many=True, refs=("trial", "project")),
                KEYWORDS, WEBSITE, WIKIDATA_F, PART_OF,
            ),
            participants=True,
        ),
        Kind(
            "programme", "programmes.yaml", (SCHEMA.FundingScheme,),
            (
                Field("name", TEXT, (SCHEMA.name,), required=True),
                ACRONYM, ALT_NAMES, DESCRIPTION,
                Field("part_of", REF, (DCTERMS.isPartOf,), many=True, refs=("programme",)),
                Field("managed_by", REF, (PMKG.managedBy,), many=True, refs=("organisation",)),
                WEBSITE, WIKIDATA_F, START, END,
            ),
        ),
        Kind(
            "grant", "grants.yaml", (SCHEMA.MonetaryGrant, FRAPO.Grant),
            (
                Field("number", IDENT, (FRAPO.hasGrantNumber,), pattern=r"^\d+$", doc="digits only"),
                Field("reference", IDENT, (PMKG.fundingReference,), pattern=r"^\S(.*\S)?$"),
                Field("title", TEXT, (SCHEMA.name,)),
                ALT_NAMES, DESCRIPTION,
                Field("funder", REF, (SCHEMA.funder,), required=True, refs=("organisation",)),
                Field("programme", REF, (PMKG.fundingProgramme,), refs=("programme",)),
                Field("funds", REF, (SCHEMA.fundedItem, FRAPO.funds), required=True, many=True,
                      refs=("project", "trial", "organisation")),
                Field("amount", DECIMAL, ()),      # written as a schema:MonetaryAmount node
                Field("currency", CURRENCY, ()),
                START, END, SAME_AS,
            ),
        ),
    )
}

#: Fields every entity record has besides its kind's own.
COMMON_FIELDS = ("id", "sources", "uncertain", "participants", "note")
NOTE = Field("note", TEXT_EN, (RDFS.comment,), doc="a curator's note, e.g. why a record is uncertain")

PARTICIPATION_FIELDS = {
    "org": Field("org", REF, refs=PARTICIPANT_REFS, required=True),
    "role": Field("role", CONCEPT, scheme="role", required=True),
    "start": Field("start", DATE),
    "end": Field("end", DATE),
    "source": Field("source", REF, refs=("source",)),
    "uncertain": Field("uncertain", BOOL),
    "note": NOTE,
}

#: The keys of one ``declared_size`` item: a consortium size as one source declares it.
SIZE_FIELDS = {
    "partners": Field("partners", INTEGER, (PMKG.partnerCount,), required=True),
    "countries": Field("countries", INTEGER, (PMKG.countryCount,)),
    "source": Field("source", REF, refs=("source",), required=True),
    "date": Field("date", DATE, doc="the date the claim refers to or was published"),
    "note": NOTE,
}

SOURCE_FIELDS = {
    "id": Field("id", TEXT, required=True),
    "url": Field("url", URL, required=True),
    "title": Field("title", TEXT, required=True),
    "publisher": Field("publisher", TEXT),
    "accessed": Field("accessed", DATE, required=True),
}
