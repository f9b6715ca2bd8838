"""Localisation shared by every user interface: gettext catalogs compiled from their .po files, the pinyin engine."""
