"""Fuzzing every parser that takes outside bytes (issue #21): only the documented errors may escape."""
