"""The index file mapped into memory: its entries' keys, texts, syllables and frequencies, found by bisection."""

from __future__ import annotations

import mmap
import os
from bisect import bisect_left
from pathlib import Path

from l10n.pinyin.layout import IndexFileError, unpack
from l10n.pinyin.syllables import Syllables


class _Keys:
    """The distinct keys in sorted order, read from the file on demand (for bisection)."""

    def __init__(self, tables: Tables) -> None:
        """Read keys from ``tables``."""
        self._tables = tables

    def __len__(self) -> int:
        """Return how many distinct keys there are."""
        return self._tables.groups

    def __getitem__(self, group: int) -> bytes:
        """Return the key of ``group``."""
        return self._tables.key(group)


class _Texts:
    """The entries' texts (UTF-8) in sorted order, read from the file on demand (for bisection)."""

    def __init__(self, tables: Tables) -> None:
        """Read texts from ``tables``."""
        self._tables = tables

    def __len__(self) -> int:
        """Return how many entries there are."""
        return self._tables.size

    def __getitem__(self, position: int) -> bytes:
        """Return the text at ``position`` in text order."""
        return self._tables.text_bytes(self._tables.by_text[position])


class Tables:
    """The tables of one index file (layout.TABLES), as typed views of the mapped file: nothing is copied."""

    def __init__(self, path: Path) -> None:
        """Map the file at ``path`` and check its structure (IndexFileError when it is not an index)."""
        with path.open("rb") as file:
            if not os.fstat(file.fileno()).st_size:
                raise IndexFileError(f"{path} is empty")
            self._mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        self._whole = memoryview(self._mapped)
        try:
            self.signature, self._views = unpack(self._whole)
        except IndexFileError:
            self.close()
            raise
        views = self._views
        self.freqs, self.syls, self.by_text = views["freqs"], views["syls"], views["by_text"]
        self.syl_bounds, self._texts, self._text_bounds = views["syl_bounds"], views["texts"], views["text_bounds"]
        self.group_bounds, self._keys, self._key_bounds = views["group_bounds"], views["keys"], views["key_bounds"]
        self.size, self.groups = len(self.freqs), len(self._key_bounds) - 1
        sizes = (len(self.syl_bounds), len(self._text_bounds), len(self.by_text) + 1, len(self.group_bounds))
        if sizes != (self.size + 1,) * 3 + (self.groups + 1,):
            self.close()
            raise IndexFileError("the index's tables disagree on how many entries it has")
        self.syllables = Syllables(bytes(views["syllables"]).decode("ascii").split("\n"))
        self._sorted_keys, self._sorted_texts = _Keys(self), _Texts(self)

    def close(self) -> None:
        """Release the views and unmap the file."""
        for view in getattr(self, "_views", {}).values():
            view.release()
        self._whole.release()
        self._mapped.close()

    def key(self, group: int) -> bytes:
        """Return the key of ``group``: the first letters of the syllables of each of its entries."""
        return bytes(self._keys[self._key_bounds[group] : self._key_bounds[group + 1]])

    def text_bytes(self, entry: int) -> bytes:
        """Return an entry's text, UTF-8."""
        return bytes(self._texts[self._text_bounds[entry] : self._text_bounds[entry + 1]])

    def text(self, entry: int) -> str:
        """Return an entry's text."""
        return self.text_bytes(entry).decode("utf-8")

    def reading(self, entry: int) -> tuple[str, ...]:
        """Return an entry's syllables."""
        names, syls = self.syllables.names, self.syls
        return tuple(names[syls[at]] for at in range(self.syl_bounds[entry], self.syl_bounds[entry + 1]))

    def entry_key(self, entry: int) -> bytes:
        """Return an entry's key, from its syllables."""
        return "".join(syllable[0] for syllable in self.reading(entry)).encode("ascii")

    def find_key(self, key: bytes) -> int:
        """Return the first group whose key is not below ``key`` (``groups`` when there is none)."""
        return bisect_left(self._sorted_keys, key)

    def group_of(self, key: bytes) -> int:
        """Return the group with exactly ``key``, or -1."""
        group = self.find_key(key)
        return group if group < self.groups and self.key(group) == key else -1

    def has_key_prefix(self, key: bytes) -> bool:
        """Return whether some entry's key starts with ``key``."""
        group = self.find_key(key)
        return group < self.groups and self.key(group).startswith(key)

    def find_text(self, text: bytes) -> int:
        """Return the first position in text order whose text is not below ``text``."""
        return bisect_left(self._sorted_texts, text)

    def text_at(self, position: int) -> bytes:
        """Return the text at ``position`` in text order."""
        return self._sorted_texts[position]
