"""Finger handwriting: the recogniser port and its Zinnia backend (ctypes, Debian's library and model)."""
