"""Typed access to registry JSON: every value is read as the type its field must have.

Registry records are JSON of a documented shape, but a file can hold anything: ``"leadSponsor":
"Acme"`` where an object belongs, ``"phases": "PHASE2"`` where a list belongs, ``"links": 5``. Reading
them through :class:`Node` turns every such mismatch into a :class:`WrongType` that names the field's
path (``protocolSection.designModule.phases``), which the importer reports as a bad record, instead of
a crash or a string read one character at a time. A missing field or ``null`` reads as empty.

>>> n = Node({"a": {"b": ["x", " y  z "]}, "c": 5})
>>> n.get("a").texts("b")
['x', 'y z']
>>> n.text("c")
Traceback (most recent call last):
...
kg.importers.typed.WrongType: c: a number (5) where text belongs
"""
from __future__ import annotations

from typing import Any


class WrongType(ValueError):
    """A JSON value of the wrong type; ``path`` is the field's dotted path in the record."""

    def __init__(self, path: str, message: str) -> None:
        self.path, self.message = path, message
        super().__init__(f"{path}: {message}" if path else message)


def describe(value: Any) -> str:
    """What a JSON value is, for messages: ``a number (5)``, ``a list``, ``text ('PHASE2')``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({value[:40]!r})"
    if isinstance(value, list):
        return "a list"
    return "an object"


class Node:
    """A JSON value at ``path`` within a record, read through typed accessors."""

    __slots__ = ("value", "path")

    def __init__(self, value: Any, path: str = "") -> None:
        self.value, self.path = value, path

    def _at(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def _member(self, key: str) -> Any:
        if self.value is None:
            return None
        if not isinstance(self.value, dict):
            raise WrongType(self.path, f"{describe(self.value)} where an object belongs")
        return self.value.get(key)

    def get(self, key: str) -> "Node":
        """The member ``key`` of this object (an empty node when missing); it must be an object or null."""
        v = self._member(key)
        if v is not None and not isinstance(v, dict):
            raise WrongType(self._at(key), f"{describe(v)} where an object belongs")
        return Node(v, self._at(key))

    def raw(self, key: str) -> Node:
        """The member ``key`` of whatever type (to check its type yourself)."""
        return Node(self._member(key), self._at(key))

    def present(self) -> bool:
        return self.value is not None

    def text(self, key: str | None = None) -> str:
        """Text with runs of white space made one space; '' when missing or null."""
        v = self.value if key is None else self._member(key)
        if v is None:
            return ""
        if not isinstance(v, str):
            raise WrongType(self.path if key is None else self._at(key), f"{describe(v)} where text belongs")
        return " ".join(v.split())

    def integer(self, key: str) -> int | None:
        v = self._member(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise WrongType(self._at(key), f"{describe(v)} where a whole number belongs")
        return v

    def items(self, key: str) -> list["Node"]:
        """The objects of the list ``key`` (missing or null: none)."""
        v = self._member(key)
        if v is None:
            return []
        if not isinstance(v, list):
            raise WrongType(self._at(key), f"{describe(v)} where a list of objects belongs")
        out = []
        for i, item in enumerate(v):
            p = f"{self._at(key)}[{i}]"
            if item is not None and not isinstance(item, dict):
                raise WrongType(p, f"{describe(item)} where an object belongs")
            out.append(Node(item, p))
        return out

    def texts(self, key: str) -> list[str]:
        """The non-empty texts of the list ``key`` (missing or null: none)."""
        v = self._member(key)
        if v is None:
            return []
        if not isinstance(v, list):
            raise WrongType(self._at(key), f"{describe(v)} where a list of texts belongs")
        out = []
        for i, item in enumerate(v):
            if item is None:
                continue
            if not isinstance(item, str):
                raise WrongType(f"{self._at(key)}[{i}]", f"{describe(item)} where text belongs")
            if item.strip():
                out.append(" ".join(item.split()))
        return out
