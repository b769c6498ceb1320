"""Writing an import as N-Quads, in the same shapes the curated build makes.

Importers describe records with the field names of :mod:`kg.model` (the YAML
fields), so an imported organisation, project, trial or grant gets exactly the
classes, predicates and participation nodes a curated one gets. Values are
checked with the same rules as the curated data (:mod:`kg.load`).

Quads are written as N-Quads text straight to a temporary file: at 50k CORDIS
projects (millions of quads) that is several times faster than building
rdflib or pyoxigraph terms, and memory stays flat.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from .. import model
from ..build import DATE_TYPES
from ..iris import Minter
from ..namespaces import CONCEPT, DCAT, DCTERMS, ORG, PMKG, PROV, RDF, RDFS, SCHEMA, WD, XSD

# N-Quads string escapes: the four the grammar requires, plus every other control character
_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r"}
_ESCAPES.update({c: f"\\u{c:04X}" for c in range(0x20) if c not in (0x0A, 0x0D)})
_ESCAPES[0x7F] = "\\u007F"
_CONTROL_ESCAPES = {c: e for c, e in _ESCAPES.items() if c not in (ord("\\"), ord('"'), 0x0A, 0x0D)}
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
# the curated build's own rules, so an imported value is written exactly as a curated one
_DATE_TYPES = {n: str(t) for n, t in DATE_TYPES.items()}


def iri(value: str) -> str:
    """An IRI term; raises ValueError for characters N-Quads does not allow in an IRI."""
    if _IRI_BAD.search(value):
        raise ValueError(f"not a valid IRI: {value!r}")
    return f"<{value}>"


_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]")


def lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    """A literal term (plain, language-tagged or typed)."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if _CONTROL.search(body):
        body = body.translate(_CONTROL_ESCAPES)
    body = f'"{body}"'
    if lang:
        return f"{body}@{lang}"
    if datatype and datatype != str(XSD.string):
        return f"{body}^^<{datatype}>"
    return body


def date_lit(text: str) -> str:
    """YYYY-MM-DD, YYYY-MM or YYYY as xsd:date, gYearMonth or gYear (as the curated build does)."""
    return lit(text, datatype=_DATE_TYPES[len(text)])


T_TYPE, T_SOURCE, T_LABEL = iri(str(RDF.type)), iri(str(DCTERMS.source)), iri(str(RDFS.label))
# terms of the participation and grant shapes, made once (rdflib namespace look-ups are slow)
T_MEMBERSHIP, T_ORGANIZATION, T_MEMBER, T_ROLE = (iri(str(t)) for t in (ORG.Membership, ORG.organization,
                                                                       ORG.member, ORG.role))
T_START, T_END, T_SAMEAS = iri(str(SCHEMA.startDate)), iri(str(SCHEMA.endDate)), iri(str(SCHEMA.sameAs))
T_AMOUNT, T_MONEY, T_VALUE, T_CURRENCY, T_FUNDING = (iri(str(t)) for t in (
    SCHEMA.amount, SCHEMA.MonetaryAmount, SCHEMA.value, SCHEMA.currency, SCHEMA.funding))


class QuadFile:
    """N-Quads lines into one named graph, written to a temporary file next to ``path``.

    :meth:`commit` renames it into place atomically; :meth:`abort` (or an exception inside a
    ``with`` block) removes it, so a failed import leaves nothing behind.
    """

    def __init__(self, path: Path, graph: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        self.tmp = Path(tmp)
        self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="\n", buffering=1 << 20)
        self._tail = f" {iri(graph)} .\n"
        self._write = self._fh.write
        self.count = 0

    def add(self, s: str, p: str, o: str) -> None:
        """Add one quad; ``s``, ``p``, ``o`` are already N-Quads terms (see :func:`iri`, :func:`lit`)."""
        self._write(f"{s} {p} {o}{self._tail}")
        self.count += 1

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()

    def commit(self) -> Path:
        self.close()
        os.chmod(self.tmp, 0o644)
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> "QuadFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


@dataclass
class Vocab:
    """The parts of the ontology an emitter needs (see :func:`kg.build.load_vocabulary`)."""

    concepts: dict[str, set[str]]
    implies: dict[str, list[str]]     # kind concept IRI -> extra class IRIs
    shortcut: dict[str, str]          # role id -> property IRI

    @classmethod
    def load(cls, ontology_dir: Path | str | None = None) -> "Vocab":
        from .. import paths
        from ..build import load_vocabulary

        v = load_vocabulary(Path(ontology_dir or paths.ontology_dir()))
        return cls(v.concepts, {str(k): [str(c) for c in cs] for k, cs in v.implies.items()},
                   {r: str(p) for r, p in v.shortcut.items()})


class Emitter:
    """Turns record descriptions into quads, mirroring :class:`kg.build._Builder`.

    Every entity written gets ``dcterms:source`` the import's source node.
    """

    def __init__(self, out: QuadFile, mint: Minter, vocab: Vocab, source: str) -> None:
        self.out, self.mint, self.vocab = out, mint, vocab
        self.source = iri(source)
        self._pred: dict[str, str] = {}
        self._shortcut = {role: iri(p) for role, p in vocab.shortcut.items()}

    def check(self, kind: str, name: str, raw: Any) -> Any:
        """Check one raw value of ``kind``'s field ``name`` like the curated data; raise ValueError."""
        from ..load import _scalar

        return _scalar(model.KINDS[kind].fields_by_name[name], raw, self.vocab.concepts)

    def _p(self, p) -> str:
        s = self._pred.get(p)
        if s is None:
            s = self._pred[p] = iri(str(p))
        return s

    def term(self, f: model.Field, value: Any) -> str:
        t = f.type
        if t == model.TEXT:
            return lit(value)
        if t == model.TEXT_EN:
            return lit(value, lang="en")
        if t == model.DATE:
            return date_lit(value)
        if t in (model.URL, model.ROR):
            return iri(value)
        if t == model.WIKIDATA:
            return iri(str(WD) + value)
        if t == model.REF:
            return iri(self.mint.entity_iri(value))
        if t == model.CONCEPT:
            return iri(f"{CONCEPT}{f.scheme}/{value}")
        if t == model.DECIMAL:
            return lit(str(value), datatype=str(XSD.decimal))
        if t == model.DURATION:
            return lit(value, datatype=str(XSD.duration))
        if t == model.BOOL:
            return lit("true" if value else "false", datatype=str(XSD.boolean))
        return lit(str(value))  # COUNTRY, IDENT, CURRENCY

    def record(self, kind: str, rid: str, values: dict[str, list], extra: Iterable[tuple[str, str]] = ()) -> str:
        """Write the entity ``rid`` of ``kind`` with checked field ``values`` (lists per field name);
        ``extra`` are further (predicate, object) terms. Returns the subject term."""
        k = model.KINDS[kind]
        add = self.out.add
        subj = f"<{self.mint.entity_iri(rid)}>"
        for cls in k.classes:
            add(subj, T_TYPE, self._p(cls))
        if k.kind_field and values.get(k.kind_field):
            concept = f"{CONCEPT}{k.fields_by_name[k.kind_field].scheme}/{values[k.kind_field][0]}"
            for cls in self.vocab.implies.get(concept, ()):
                add(subj, T_TYPE, self._p(cls))
        add(subj, T_SOURCE, self.source)
        for name, vals in values.items():
            f = k.fields_by_name[name]
            for v in vals:
                obj = self.term(f, v)
                for p in f.predicates:
                    add(subj, self._p(p), obj)
                if f.iri_template:
                    add(subj, T_SAMEAS, iri(f.iri_template.format(v)))
        label = values.get("name") or values.get("title")
        if label:
            add(subj, T_LABEL, lit(label[0]))
        for p, o in extra:
            add(subj, p, o)
        return subj

    def participation(self, in_id: str, who_id: str, role: str,
                      start: str | None = None, end: str | None = None) -> None:
        """``who_id`` takes part in ``in_id`` as ``role``: an org:Membership node plus the shortcut edge."""
        add = self.out.add
        node = f"<{self.mint.participation(in_id, role, who_id)}>"
        thing, agent = f"<{self.mint.entity_iri(in_id)}>", f"<{self.mint.entity_iri(who_id)}>"
        add(node, T_TYPE, T_MEMBERSHIP)
        add(node, T_ORGANIZATION, thing)
        add(node, T_MEMBER, agent)
        add(node, T_ROLE, f"<{CONCEPT}role/{role}>")
        add(node, T_SOURCE, self.source)
        if start:
            add(node, T_START, date_lit(start))
        if end:
            add(node, T_END, date_lit(end))
        add(thing, self._shortcut[role], agent)

    def grant(self, rid: str, values: dict[str, list], amount: str | None = None, currency: str = "EUR") -> None:
        """A grant record (fields of the ``grant`` kind, ``funder`` and ``funds`` included), its amount
        node, and the funder's participation in what it funds, as the curated build makes them."""
        self.record("grant", rid, values)
        add = self.out.add
        subj = f"<{self.mint.entity_iri(rid)}>"
        if amount is not None:
            node = f"<{self.mint.amount(rid)}>"
            add(subj, T_AMOUNT, node)
            add(node, T_TYPE, T_MONEY)
            add(node, T_VALUE, lit(str(amount), datatype=str(XSD.decimal)))
            add(node, T_CURRENCY, lit(currency))
        funder = values["funder"][0]
        start = values.get("start", [None])[0]
        end = values.get("end", [None])[0]
        for item in values["funds"]:
            add(f"<{self.mint.entity_iri(item)}>", T_FUNDING, subj)
            self.participation(item, funder, "funder", start, end)

    def provenance(self, name: str, title: str, importer: str, importer_version: str,
                   files: list[dict], when: str) -> None:
        """The import's source node, the activity that made it, the importer and the input files
        (each with its name, modification time and size)."""
        from .. import __version__

        add, P = self.out.add, self._p
        src = self.source
        act = iri(str(self.mint.import_part(name, "activity")))
        agent = iri(str(self.mint.import_part(name, "importer")))
        add(src, T_TYPE, P(PMKG.Source))
        add(src, T_TYPE, P(PROV.Entity))
        add(src, P(DCTERMS.title), lit(title))
        add(src, T_LABEL, lit(title))
        add(src, P(DCTERMS.created), lit(when, datatype=str(XSD.dateTime)))
        add(src, P(PROV.wasGeneratedBy), act)
        add(act, T_TYPE, P(PROV.Activity))
        add(act, P(PROV.endedAtTime), lit(when, datatype=str(XSD.dateTime)))
        add(act, P(PROV.wasAssociatedWith), agent)
        add(agent, T_TYPE, P(PROV.SoftwareAgent))
        add(agent, T_LABEL, lit(f"pmkg {importer} importer"))
        add(agent, P(SCHEMA.softwareVersion), lit(importer_version))
        add(agent, P(DCTERMS.isPartOf), iri(f"https://pypi.org/project/pmkg/{__version__}"))
        for f in files:
            node = iri(str(self.mint.import_part(name, "file-" + f["name"])))
            add(src, P(PROV.wasDerivedFrom), node)
            add(act, P(PROV.used), node)
            add(node, T_TYPE, P(PROV.Entity))
            add(node, P(DCTERMS.title), lit(f["name"]))
            add(node, P(DCTERMS.modified), lit(f["modified"], datatype=str(XSD.dateTime)))
            add(node, P(DCAT.byteSize), lit(str(f["size"]), datatype=str(XSD.integer)))
