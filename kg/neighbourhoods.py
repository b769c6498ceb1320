"""Neighbourhoods published with a build: the entity graph and each subject's statements as Turtle.

``pmkg query neighbourhood`` answers with every statement of every entity within N links of one, the
labels of what they point to and the parts of grant amounts (queries/neighbourhood.rq). At registry
scale that is much of the graph: two links from a project reach its partners, the hubs among them, and
the thousands of projects of the hubs (306,984 triples at 750,000 quads). Found in the store, each of
them is read from disk, made a Python object and sorted: 5 s there, 25 s at 3.5 million quads.

A generation never changes once published, so ``pmkg build`` writes, beside the store, what that answer
is made of (in ``neighbourhoods/``):

- every subject of the default graph (the union of the named graphs), in the order of its N-Triples
  form, which is the order of the answer's sorted triples;
- each subject's statements, written once as Turtle with pmkg's prefixes (``blocks.ttl``), and its
  labels alone (``labels.ttl``): a Turtle writer starts a new block at each subject, so the blocks of
  any set of subjects, in that order, are the text the writer gives for their triples;
- the links between entities (kg.walk's definition: organisations, projects, trials, programmes and
  grants, in either direction, schema:funding and frapo:funds left out), the IRIs each subject's
  statements point to that have a label, and the amounts of each grant, as arrays of subject numbers.

:func:`subgraph` then walks the arrays breadth first and joins the blocks of the subjects it reaches:
the answer's Turtle, byte for byte, without reading the store (tests/test_neighbourhoods.py compares it
with kg.walk over the store). The index is read only for the store it was written with (the key in the
store's marker) and with the definition it was written for; otherwise kg.walk asks the store.

This module loads no RDF library beyond pyoxigraph.
"""
from __future__ import annotations

import bisect
import json
import mmap
import re
from array import array
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from .files import atomic_write
from .store import beside, bulk, read_marker

FOLDER = "neighbourhoods"
INDEX = "index.json"
FORMAT = "pmkg-neighbourhoods/1"

SCHEMA = "https://schema.org/"
#: What a link is, and what the answer takes with an entity: the index is used only for this definition.
ENTITY_CLASSES = tuple(f"{SCHEMA}{c}" for c in ("Organization", "Project", "MedicalTrial", "FundingScheme",
                                               "MonetaryGrant"))
MIRRORS = (f"{SCHEMA}funding", "http://purl.org/cerif/frapo/funds")
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
AMOUNT = f"{SCHEMA}amount"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DEFINITION = {"classes": list(ENTITY_CLASSES), "mirrors": list(MIRRORS), "label": LABEL, "amount": AMOUNT}

#: The arrays: byte offsets ("Q", one more than subjects) and subject numbers ("I").
_ARRAYS = ("subjects.off", "blocks.off", "labels.off", "counts", "flags", "links.off", "links", "refs.off",
           "refs", "amounts.off", "amounts")
_NUMBERS = ("counts", "links", "refs", "amounts")
_BLOBS = ("subjects.nt", "blocks.ttl", "labels.ttl")
#: Where a subject's block starts: a Turtle writer starts each subject at the start of a line, and
#: continues its statements on lines that start with a tab (compiled when a build writes an index).
NEW_SUBJECT = rb"\n(?=[^\t ])"


def folder_of(store) -> Path | None:
    """The neighbourhoods folder of a published store (``<generation>/neighbourhoods``); None for another."""
    return beside(store, FOLDER)


# --- writing (pmkg build) -----------------------------------------------------------------------------

def _split(turtle: bytes) -> tuple[bytes, list[int], bytes]:
    """Turtle text as its prefix lines, the start of each subject's block after them, and the blocks."""
    at = 0
    while turtle.startswith(b"@prefix ", at):
        at = turtle.index(b"\n", at) + 1
    body = turtle[at:]
    starts = [0] + [m.end() for m in re.finditer(NEW_SUBJECT, body) if m.end() < len(body)] if body else []
    return turtle[:at], starts, body


def _csr(lists: list[list[int]]) -> tuple[array, array]:
    off, data = array("Q", [0]), array("I")
    for items in lists:
        data.extend(sorted(set(items)))
        off.append(len(data))
    return off, data


def write(folder: Path, store, prefixes: dict[str, str], key: str | None) -> dict | None:
    """Write the index of the default graph of ``store`` (a :class:`kg.store.OxigraphStore`: its
    triples as the store gives them, every literal in the store's form) into ``folder``, for the store
    whose marker records ``key``; returns the index entry. Writes nothing and returns None when the
    Turtle writer did not start each subject on a line of its own (a blank node written inline, say):
    then kg.walk searches the store, with the same answer."""
    # Oxigraph's own N-Triples, sorted: the order of the answer's triples (their str())
    dump = ox.serialize(store.store.quads_for_pattern(None, None, None, ox.DefaultGraph()),
                        format=ox.RdfFormat.N_QUADS) or b""
    lines = dump.split(b"\n")
    del dump
    lines.pop()
    lines.sort()
    turtle = ox.serialize(ox.parse(b"\n".join(lines) + b"\n", format=ox.RdfFormat.N_TRIPLES),
                          format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""
    label_p, amount_p, type_p = (f"<{x}>".encode() for x in (LABEL, AMOUNT, TYPE))
    classes = {f"<{c}>".encode() for c in ENTITY_CLASSES}
    mirrors = {f"<{m}>".encode() for m in MIRRORS}
    subjects: list[bytes] = []
    label_lines: list[bytes] = []
    for line in lines:
        s = line[:line.index(b" ")]
        if not subjects or subjects[-1] != s:
            subjects.append(s)
    rank = {s: i for i, s in enumerate(subjects)}
    n = len(subjects)
    counts, label_counts = [0] * n, [0] * n
    entity = bytearray(n)
    out_links: list[list[int]] = [[] for _ in range(n)]
    objects: list[list[int]] = [[] for _ in range(n)]
    amounts: list[list[int]] = [[] for _ in range(n)]
    i = -1
    last = b""
    for line in lines:
        s, p, o = line[:-2].split(b" ", 2)
        if s != last:
            i, last = i + 1, s
        counts[i] += 1
        if p == label_p:
            label_counts[i] += 1
            label_lines.append(line)
        if o[:1] != b"<":
            continue
        if p == type_p and o in classes:
            entity[i] = 1
        j = rank.get(o)
        if j is None:
            continue
        objects[i].append(j)
        if p not in mirrors:
            out_links[i].append(j)
        if p == amount_p:
            amounts[i].append(j)
    del lines, rank
    links: list[list[int]] = [[] for _ in range(n)]
    for a, targets in enumerate(out_links):
        if entity[a]:
            for b in targets:
                if entity[b] and b != a:
                    links[a].append(b)
                    links[b].append(a)
    del out_links
    refs = [[j for j in js if label_counts[j]] for js in objects]
    del objects
    header, starts, body = _split(turtle)
    del turtle
    if len(starts) != n:
        return None
    labels_ttl = ox.serialize(ox.parse(b"\n".join(label_lines) + b"\n", format=ox.RdfFormat.N_TRIPLES),
                              format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""
    _, label_starts, label_body = _split(labels_ttl)
    labelled = [k for k in range(n) if label_counts[k]]
    if len(label_starts) != len(labelled):
        return None
    label_off = array("Q", [0] * (n + 1))
    at = iter(zip(labelled, label_starts[1:] + [len(label_body)]))
    pos, nxt = 0, next(at, None)
    for k in range(n):
        if nxt is not None and nxt[0] == k:
            pos, nxt = nxt[1], next(at, None)
        label_off[k + 1] = pos
    subject_off = array("Q", [0])
    for s in subjects:
        subject_off.append(subject_off[-1] + len(s))
    arrays = {"subjects.off": subject_off, "blocks.off": array("Q", starts + [len(body)]),
              "labels.off": label_off, "counts": array("I", counts + label_counts), "flags": array("B", entity)}
    for name, lists in (("links", links), ("refs", refs), ("amounts", amounts)):
        arrays[f"{name}.off"], arrays[name] = _csr(lists)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in arrays.items():
        atomic_write(folder / name, data.tobytes())
    for name, blob in (("subjects.nt", b"".join(subjects)), ("blocks.ttl", body), ("labels.ttl", label_body)):
        atomic_write(folder / name, blob)
    entry = {"format": FORMAT, "key": key, "definition": DEFINITION, "prefixes": prefixes,
             "header": header.decode("utf-8"), "subjects": n, "triples": sum(counts),
             "itemsize": {"I": array("I").itemsize, "Q": array("Q").itemsize}}
    atomic_write(folder / INDEX, json.dumps(entry, indent=1, sort_keys=True) + "\n")
    return entry


# --- reading (pmkg query neighbourhood) -----------------------------------------------------------------

class Index:
    """A published neighbourhood index, mapped from its files (nothing is read until it is used)."""

    def __init__(self, folder: Path, entry: dict) -> None:
        self.entry = entry
        self.header: bytes = entry["header"].encode("utf-8")
        self.prefixes: dict[str, str] = entry["prefixes"]
        self._maps = []
        views = {}
        for name in _ARRAYS + _BLOBS:
            with open(folder / name, "rb") as fh:
                size = fh.seek(0, 2)
                mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
            self._maps.append(mm)
            views[name] = memoryview(mm)
        self.arrays = {name: (views[name].cast("B") if name == "flags" else
                              views[name].cast("I") if name in _NUMBERS else views[name].cast("Q"))
                       for name in _ARRAYS}
        self.blobs = {name: views[name] for name in _BLOBS}
        self.n = int(entry["subjects"])

    def subject(self, k: int) -> bytes:
        """The N-Triples form of subject number ``k``."""
        off = self.arrays["subjects.off"]
        return bytes(self.blobs["subjects.nt"][off[k]:off[k + 1]])

    def find(self, iri: str) -> int | None:
        """The number of the subject ``iri``; None when it is the subject of nothing."""
        want = f"<{iri}>".encode("utf-8")
        k = bisect.bisect_left(_Keys(self), want)
        return k if k < self.n and self.subject(k) == want else None

    def _near(self, name: str, k: int) -> memoryview:
        off = self.arrays[f"{name}.off"]
        return self.arrays[name][off[k]:off[k + 1]]

    def reach(self, centre: int, hops: int) -> set[int]:
        """Every entity within ``hops`` links of entity ``centre`` (itself included), breadth first."""
        seen, frontier = {centre}, [centre]
        for _ in range(hops):
            found: set[int] = set()
            for k in frontier:
                found.update(self._near("links", k))
            frontier = list(found - seen)
            if not frontier:
                break
            seen.update(frontier)
        return seen

    def subgraph(self, centre: str, hops: int) -> "Subgraph":
        """The answer of neighbourhood.rq for ``centre`` (an IRI) and ``hops``: empty when it is no entity."""
        k = self.find(centre)
        if k is None or not self.arrays["flags"][k]:
            return Subgraph(self.header, b"", 0, self.prefixes)
        nodes = self.reach(k, hops)
        full = set(nodes)
        labelled: set[int] = set()
        for node in nodes:
            full.update(self._near("amounts", node))
            labelled.update(self._near("refs", node))
        labelled -= full
        blocks, labels, counts = self.arrays["blocks.off"], self.arrays["labels.off"], self.arrays["counts"]
        body, ttl = self.blobs["blocks.ttl"], self.blobs["labels.ttl"]
        parts, count = [], 0
        for j in sorted(full | labelled):
            if j in full:
                parts.append(body[blocks[j]:blocks[j + 1]])
                count += counts[j]
            else:
                parts.append(ttl[labels[j]:labels[j + 1]])
                count += counts[self.n + j]
        return Subgraph(self.header, b"".join(parts), count, self.prefixes)


class _Keys(Sequence):
    """The subjects of an index as a sorted sequence bisect can search, read one at a time."""

    def __init__(self, of: Index) -> None:
        self.of = of

    def __len__(self) -> int:
        return self.of.n

    def __getitem__(self, k):
        return self.of.subject(k)


class Subgraph(Sequence):
    """The triples of a neighbourhood, sorted, held as Turtle: read as triples only when asked."""

    def __init__(self, header: bytes, body: bytes, count: int, prefixes: dict[str, str]) -> None:
        self.header, self.body, self.size, self.prefixes = header, body, count, prefixes
        self._triples: list | None = None

    def turtle(self) -> bytes:
        """The Turtle text of the triples (what Oxigraph's writer gives for them with pmkg's prefixes)."""
        return self.header + self.body if self.size else b""

    def _all(self) -> list:
        if self._triples is None:
            with bulk():
                self._triples = [q.triple for q in ox.parse(self.turtle(), format=ox.RdfFormat.TURTLE)]
        return self._triples

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, k):
        if isinstance(k, slice) and self._triples is None and k.step in (None, 1) \
                and (k.start or 0) >= 0 and k.stop is not None and k.stop >= 0:
            # a page of a large answer: the text is read only as far as the page
            with bulk():
                return [q.triple for q in islice(ox.parse(self.turtle(), format=ox.RdfFormat.TURTLE), k.start, k.stop)]
        return self._all()[k]

    def __iter__(self) -> Iterator:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented


def published(store, prefixes: dict[str, str]) -> Index | None:
    """The neighbourhood index of a published ``store``, when it was written for that store, for
    kg.walk's definition of a link and for ``prefixes``; None otherwise (then kg.walk asks the store)."""
    folder = folder_of(store)
    if folder is None:
        return None
    try:
        entry = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    marker = read_marker(Path(store.path)) or {}
    if (not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("definition") != DEFINITION
            or entry.get("prefixes") != prefixes
            or entry.get("key") is None or entry.get("key") != marker.get("key")
            or entry.get("itemsize") != {"I": array("I").itemsize, "Q": array("Q").itemsize}):
        return None
    try:
        return Index(folder, entry)
    except (OSError, ValueError, KeyError, TypeError):
        return None
