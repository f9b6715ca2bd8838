"""Zinnia through ctypes: Debian's libzinnia0 with the Tegaki simplified-Chinese model (6,763 GB2312 characters).

No compiled extension: the C API of zinnia.h is declared here. The model file is memory-mapped by
Zinnia and read whole when it opens (about 27 MB resident, shared with other processes).
"""

from __future__ import annotations

import ctypes
import threading
from ctypes import c_char_p, c_float, c_int, c_size_t, c_void_p
from pathlib import Path
from typing import Any

from drivers.handwriting.ink import BOX, prepare
from drivers.handwriting.port import HandwritingUnavailable, Strokes

LIBRARY = "libzinnia.so.0"  # the dynamic loader finds /usr/lib/<multiarch>/libzinnia.so.0 (package libzinnia0)
MODEL = Path("/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model")  # package tegaki-zinnia-simplified-chinese
LIBRARY_PACKAGE = "libzinnia0"
MODEL_PACKAGE = "tegaki-zinnia-simplified-chinese"
MAX_LIMIT = 100  # candidates a caller may ask for

_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "zinnia_recognizer_new": (c_void_p, []),
    "zinnia_recognizer_open": (c_int, [c_void_p, c_char_p]),
    "zinnia_recognizer_strerror": (c_char_p, [c_void_p]),
    "zinnia_recognizer_classify": (c_void_p, [c_void_p, c_void_p, c_size_t]),
    "zinnia_recognizer_destroy": (None, [c_void_p]),
    "zinnia_character_new": (c_void_p, []),
    "zinnia_character_clear": (None, [c_void_p]),
    "zinnia_character_set_width": (None, [c_void_p, c_size_t]),
    "zinnia_character_set_height": (None, [c_void_p, c_size_t]),
    "zinnia_character_add": (c_int, [c_void_p, c_size_t, c_int, c_int]),
    "zinnia_character_destroy": (None, [c_void_p]),
    "zinnia_result_size": (c_size_t, [c_void_p]),
    "zinnia_result_value": (c_char_p, [c_void_p, c_size_t]),
    "zinnia_result_score": (c_float, [c_void_p, c_size_t]),
    "zinnia_result_destroy": (None, [c_void_p]),
}


def load_library(path: str = LIBRARY) -> ctypes.CDLL:
    """Load Zinnia's C library with the functions used declared; HandwritingUnavailable if it cannot be."""
    install = f"install the Debian package {LIBRARY_PACKAGE} (apt-get install {LIBRARY_PACKAGE})"
    try:
        library = ctypes.CDLL(path)
    except OSError as error:
        raise HandwritingUnavailable(f"Zinnia's library {path} cannot be loaded ({error}): {install}",
                                     LIBRARY_PACKAGE) from error
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            function = getattr(library, name)
        except AttributeError as error:
            raise HandwritingUnavailable(f"{path} is not Zinnia's library (it has no {name}): {install}",
                                         LIBRARY_PACKAGE) from error
        function.restype = restype
        function.argtypes = argtypes
    return library


def classify(library: ctypes.CDLL, recognizer: int, character: int, limit: int) -> list[str]:
    """Classify the character as it stands and return up to ``limit`` values, best first."""
    return [value for value, _score in classify_scored(library, recognizer, character, limit)]


def classify_scored(library: ctypes.CDLL, recognizer: int, character: int, limit: int) -> list[tuple[str, float]]:
    """Classify the character as it stands and return up to ``limit`` values with Zinnia's scores, best first."""
    result = library.zinnia_recognizer_classify(recognizer, character, limit)
    if not result:
        return []
    try:
        found = []
        for i in range(library.zinnia_result_size(result)):
            value = library.zinnia_result_value(result, i)
            if value:
                found.append((value.decode("utf-8", "replace"), float(library.zinnia_result_score(result, i))))
        return found
    finally:
        library.zinnia_result_destroy(result)


class ZinniaRecognizer:
    """Recognise handwritten simplified Chinese with Zinnia; one call at a time (a lock guards the engine)."""

    def __init__(self, model: Path | str = MODEL, library: str = LIBRARY) -> None:
        """Load the library and open the model; HandwritingUnavailable says what to install if either is missing."""
        self.model = Path(model)
        if not self.model.is_file():
            raise HandwritingUnavailable(
                f"the handwriting model {self.model} is missing: install the Debian package {MODEL_PACKAGE} "
                f"(apt-get install {MODEL_PACKAGE})", MODEL_PACKAGE)
        self._lib = load_library(library)
        self._lock = threading.Lock()
        self._recognizer: int | None = self._lib.zinnia_recognizer_new()
        if not self._lib.zinnia_recognizer_open(self._recognizer, bytes(self.model)):
            reason = (self._lib.zinnia_recognizer_strerror(self._recognizer) or b"").decode("utf-8", "replace")
            self._lib.zinnia_recognizer_destroy(self._recognizer)
            self._recognizer = None
            raise HandwritingUnavailable(
                f"{self.model} is not a Zinnia model Zinnia can open ({reason}): reinstall the Debian package "
                f"{MODEL_PACKAGE} (apt-get install --reinstall {MODEL_PACKAGE})", MODEL_PACKAGE)
        self._character: int = self._lib.zinnia_character_new()

    def recognize(self, strokes: Strokes, width: float, height: float, limit: int = 10) -> list[str]:
        """Return up to ``limit`` characters for the strokes so far, best first; [] for unusable input."""
        return [value for value, _score in self.scored(strokes, width, height, limit)]

    def scored(self, strokes: Strokes, width: float, height: float, limit: int = 10) -> list[tuple[str, float]]:
        """Return up to ``limit`` characters with Zinnia's scores (higher is better), best first; [] for bad input."""
        if not isinstance(limit, int) or limit < 1:
            return []
        ink = prepare(strokes, width, height)
        if not ink:
            return []
        with self._lock:
            if self._recognizer is None:
                return []
            self._fill(ink)
            return classify_scored(self._lib, self._recognizer, self._character, min(limit, MAX_LIMIT))

    def close(self) -> None:
        """Free the engine and its model; later calls return []."""
        with self._lock:
            if self._recognizer is None:
                return
            self._lib.zinnia_character_destroy(self._character)
            self._lib.zinnia_recognizer_destroy(self._recognizer)
            self._recognizer = None

    def _fill(self, ink: list[list[tuple[int, int]]]) -> None:
        """Load the prepared strokes into the engine's one character (the lock is held)."""
        self._lib.zinnia_character_clear(self._character)
        self._lib.zinnia_character_set_width(self._character, BOX)
        self._lib.zinnia_character_set_height(self._character, BOX)
        for number, stroke in enumerate(ink):
            for x, y in stroke:
                self._lib.zinnia_character_add(self._character, number, x, y)
