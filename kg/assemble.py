"""One assembly of the graph: which graph a command works on, and its quads.

A :class:`Config` is resolved once per run from the options every command
shares (data folder, ontology folder, base IRI, kept imports on or off), so
``--no-imports`` means the same in every command. :func:`assemble` then reads
the curated records (:mod:`kg.load`), merges the kept imports into them
(:mod:`kg.importers.reconcile`) and hands everything to the one writer
(:mod:`kg.writer`): the ontology, the sources, the records, the names index
used to resolve entities, and the description (VoID) that counts the rest.

Every store (:mod:`kg.store`) and every export is made from an :class:`Assembly`.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import model
from .config import Config
from .describe import DESCRIPTION_GRAPH, Counts, description
from .importers import kept
from .importers.reconcile import Outcome, reconcile
from .iris import Minter
from .load import load
from .names import NAMES_GRAPH, lookup_key
from .namespaces import PMKG, RDF, WD
from .records import Data
from .vocab import Vocabulary, vocabulary
from .writer import Quads, Writer, iri, lit

ONTOLOGY_GRAPH = "ontology"
#: Graphs that are not sources: their statements are about the data, not read from anywhere.
OWN_GRAPHS = (ONTOLOGY_GRAPH, DESCRIPTION_GRAPH, NAMES_GRAPH)


@dataclass
class Assembly:
    """The graph of a :class:`Config`: its records and the quads the writer made of them."""

    config: Config
    vocab: Vocabulary
    curated: Data
    data: Data                                   # curated and imported records, merged
    imports: list[tuple[kept.Manifest, Outcome]]
    quads: Quads
    counts: Counts = field(default_factory=Counts)

    @property
    def mint(self) -> Minter:
        return Minter(self.config.base)

    def graph_term(self, name: str) -> str:
        return iri(str(self.mint.graph(name)))

    def union(self) -> set[str]:
        """The distinct triples of every graph but the names index: what stores hold as default graph."""
        return self.quads.union(exclude=[self.graph_term(NAMES_GRAPH)])

    def graphs(self, names: bool = False) -> list[str]:
        """The named graphs (as terms), the names index only when asked."""
        skip = None if names else self.graph_term(NAMES_GRAPH)
        return sorted(g for g in self.quads.graphs if g != skip)

    def nquads(self, names: bool = True, default: bool = False) -> bytes:
        """The whole dataset as N-Quads, sorted: every named graph (the names index when ``names``),
        and the union as the default graph when ``default``."""
        lines = self.quads.nquads(self.graphs(names), self.union() if default else None)
        return "".join(lines).encode("utf-8")

    def write_nquads(self, path: Path, names: bool = True, default: bool = False) -> Path:
        """:meth:`nquads` into the file ``path``, unsorted and without holding the whole text in memory
        (what a store bulk-loads)."""
        with open(path, "w", encoding="utf-8") as fh:
            for g in self.graphs(names):
                fh.writelines(f"{t} {g} .\n" for t in self.quads.graphs[g])
            if default:
                fh.writelines(f"{t} .\n" for t in self.union())
        return path

    def record_sources(self, record_id: str) -> list[str]:
        """The sources of a record (curated source ids and ``import-<name>``)."""
        r = self.data.records.get(record_id)
        return list(r.sources) if r else []


def assemble(config: Config) -> Assembly:
    """Read, check, merge and write the graph of ``config``.

    Raises :class:`kg.load.DataError` listing every problem of the curated data,
    :class:`kg.importers.ImportFileError` naming a kept import that cannot be read, OSError for
    missing ontology files.
    """
    vocab = vocabulary(config.ontology_dir)
    concepts = vocab.schemes()
    curated = load(config.data_dir, concepts, allow_empty=config.allow_empty)
    manifests: list[kept.Manifest] = []
    imported = []
    if config.imports_dir is not None:
        with kept.locked(config.imports_dir, shared=True):   # never while an import is being kept
            manifests = kept.manifests(config.imports_dir)
            imported = [kept.read_import(config.imports_dir, m, concepts) for m in manifests]
    data, outcomes = reconcile(curated, imported, Minter(config.base))
    sources = dict(curated.sources)
    for m in manifests:
        s = kept.source_of(m)
        sources[s.id] = s
    data.sources = sources
    mint = Minter(config.base)
    quads = write(data, vocab, mint)
    asm = Assembly(config, vocab, curated, data, list(zip(manifests, outcomes)), quads)
    asm.counts = count(asm)
    Writer(mint, vocab, quads).triples(description(mint, sources, asm.counts), DESCRIPTION_GRAPH)
    return asm


def write(data: Data, vocab: Vocabulary, mint: Minter) -> Quads:
    """The ontology, the sources, every record and the names index as quads."""
    w = Writer(mint, vocab)
    w.triples(vocab.graph, ONTOLOGY_GRAPH)
    for s in data.sources.values():
        w.source(s)
    for r in data.records.values():
        w.record(r)
    names(w, data.records.values())
    return w.out


#: Fields whose values name a record (besides its label and id).
NAME_FIELDS = ("name", "title", "acronym", "alt_names", "nct", "eudract", "ctis", "cordis", "number", "reference")
#: Fields that are IRIs a record is also known by.
IRI_FIELDS = ("ror", "same_as")


def names(w: Writer, records) -> None:
    """The names index: every key a record can be looked up by (:func:`kg.names.lookup_key`), in the
    graph ``graph/names``. A grant's names are weak keys: a grant's title often repeats what it funds."""
    add, g = w.out.add, w.graph(NAMES_GRAPH)
    strong, weak = iri(str(PMKG.lookupKey)), iri(str(PMKG.weakLookupKey))
    for r in records:
        subj = w.entity(r.id)
        kind = model.KINDS[r.kind]
        keys: set[str] = {r.id, w.mint.entity_iri(r.id)}
        for f in NAME_FIELDS:
            if f in kind.fields_by_name:
                keys.update(str(v) for v in r.all(f))
                tmpl = kind.fields_by_name[f].iri_template
                if tmpl:
                    keys.update(tmpl.format(v) for v in r.all(f))
        for f in IRI_FIELDS:
            if f in kind.fields_by_name:
                keys.update(str(v) for v in r.all(f))
        keys.update(str(WD) + v for v in r.all("wikidata"))
        pred = weak if r.kind == "grant" else strong
        for k in sorted({lookup_key(x) for x in keys if x}):
            add(subj, strong if k in (r.id, w.mint.entity_iri(r.id).casefold()) else pred, lit(k), g)


def count(asm: Assembly) -> Counts:
    """Distinct triples, entities and entities per class of the union, and triples per source graph."""
    skip = {asm.graph_term(n) for n in OWN_GRAPHS}
    union: set[str] = set()
    graphs: dict[str, int] = {}
    graph_ns = "<" + asm.mint.prefixes()["graph"]
    for g, triples in asm.quads.graphs.items():
        if g in skip:
            if g == asm.graph_term(ONTOLOGY_GRAPH):
                union |= triples
            continue
        union |= triples
        graphs[g[len(graph_ns):-1]] = len(triples)
    ent = "<" + asm.mint.prefixes()["pm"]
    rdf_type = iri(str(RDF.type))
    classes: dict[str, int] = {}
    subjects: set[str] = set()
    for t in union:
        if t.startswith(ent):
            s, p, o = t.split(" ", 2)
            if p == rdf_type:
                subjects.add(s)
                cls = o[1:-1]
                classes[cls] = classes.get(cls, 0) + 1
    return Counts(len(union), len(subjects), Counter(classes), graphs)


__all__ = ["Assembly", "Config", "assemble", "count", "write"]
