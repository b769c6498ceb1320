"""pmkg: the open knowledge graph of the precision-medicine collaboration network.

The Python API mirrors the CLI, one module per concept:
``kg.build.build()`` gives an rdflib Dataset, ``kg.validate.validate()`` a
report, ``kg.export.serialize()`` the bytes of an export, ``kg.stats.stats()``
the counts. Heavy modules are imported lazily so that ``pmkg --help`` stays fast.
"""
from __future__ import annotations

__version__ = "0.1.0"
