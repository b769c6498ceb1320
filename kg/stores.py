"""The stores ``--store`` names besides the published one, each made from one assembly of the graph.

``memory`` is rdflib (:class:`kg.memstore.MemoryStore`), ``oxigraph`` Oxigraph in memory,
``oxigraph:DIR`` a persistent Oxigraph store in a folder of yours, reloaded only when the graph
changed; ``--endpoint URL`` any SPARQL 1.1 endpoint. The default, the store ``pmkg build``
publishes, is opened by :func:`kg.build.published_store`. All keep the store contract of
:mod:`kg.store`.
"""
from __future__ import annotations

from pathlib import Path

from .assemble import Assembly, assemble
from .config import Config
from .memstore import MemoryStore
from .options import STORE_KINDS
from .store import EndpointStore, OxigraphStore


def open_store(spec: str | None, config: Config, *, endpoint: str | None = None, auth: str | None = None,
               token: str | None = None, timeout: float = 60.0, assembly: Assembly | None = None):
    """The store named by ``--store`` / ``--endpoint`` for the graph of ``config``: ``--endpoint URL``
    wins; else ``spec`` is ``memory`` (rdflib), ``oxigraph`` (in memory) or ``oxigraph:DIR``.

    ``assembly`` skips assembling when the caller already has the graph. Raises
    :class:`kg.store.StoreError`, or ValueError for an unknown spec.
    """
    if endpoint:
        if spec not in (None, "published"):
            raise ValueError("give either --store or --endpoint, not both")
        return EndpointStore(endpoint, auth=auth, token=token, timeout=timeout, base=config.base)

    def asm() -> Assembly:
        return assembly if assembly is not None else assemble(config)

    if spec == "memory":
        return MemoryStore.from_assembly(asm())
    if spec == "oxigraph":
        return OxigraphStore.from_nquads(asm().nquads(names=True, default=True), config.base)
    if spec and spec.startswith("oxigraph:") and spec[len("oxigraph:"):]:
        folder = Path(spec[len("oxigraph:"):]).expanduser()
        return OxigraphStore.persistent(folder, config.key(), lambda: asm().nquads(names=True, default=True),
                                        config.base)
    raise ValueError(f"unknown store {spec!r}: expected {', '.join(STORE_KINDS)}")
