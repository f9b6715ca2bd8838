"""The services' log records: one JSON object per line for the journal, and no personal number in any message.

Records carry the event name and the terminal or message they concern as fields (``extra={"event": …,
"terminal": …, "message_id": …}``), so ops can filter the journal by them. Messages are written not to hold
personal data; as a second guard every handler masks what looks like a resident ID number or a mobile
number before the record is written.
"""

from __future__ import annotations

import logging
import re

from pythonjsonlogger.json import JsonFormatter

ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{9}[0-9Xx](?![0-9])")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


def mask(text: str) -> str:
    """Return ``text`` with resident ID numbers and mobile numbers masked."""
    return MOBILE.sub(lambda m: m.group()[:3] + "********", ID_NUMBER.sub(lambda m: m.group()[:6] + "*" * 12, text))


class PersonalNumbers(logging.Filter):
    """Masks ID and mobile numbers in a record's message and arguments (a guard: messages should hold none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with its arguments, masked; always let it through."""
        record.msg = mask(record.getMessage())
        record.args = None
        if record.exc_info:  # a traceback may quote a value: written masked, as text
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def structured(root: logging.Logger, *, json_lines: bool) -> None:
    """Give every handler of ``root`` the personal-number guard, and the JSON formatter when ``json_lines``."""
    for handler in root.handlers:
        if not any(isinstance(f, PersonalNumbers) for f in handler.filters):
            handler.addFilter(PersonalNumbers())
        if json_lines:
            handler.setFormatter(JsonFormatter(FIELDS, rename_fields={"levelname": "level", "name": "logger"},
                                               json_ensure_ascii=False))
