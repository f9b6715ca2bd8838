"""The docs runner's reading of a doc: which lines run, which are services, which values the operator gives."""

from __future__ import annotations

import pytest

from tests.docs.runner import commands, segments

DOC = """# A doc

```sh
export YC_SECRET='…'    # yours
yichuang serve --broker mqtts://host:8884 \\
    --db x &   # a service
echo one && echo two
```

```text
systemctl restart mosquitto
```

```console
$ yichuang fleet status
LC0001  online
```
"""


def test_sh_and_console_blocks_run_text_blocks_do_not() -> None:
    assert commands(DOC) == ["export YC_SECRET='…'    # yours", "yichuang serve --broker mqtts://host:8884      --db x &   # a service",
                             "echo one && echo two", "yichuang fleet status"]


def test_a_trailing_ampersand_is_a_service_and_placeholders_take_the_supplied_word() -> None:
    parts = segments(commands(DOC), {"YC_SECRET": "'s3cret'"})
    assert parts == [("export YC_SECRET='s3cret'", False),
                     ("yichuang serve --broker mqtts://host:8884      --db x", True),
                     ("echo one && echo two\nyichuang fleet status", False)]


def test_a_value_the_doc_asks_for_and_nobody_supplies_stops_the_run() -> None:
    with pytest.raises(SystemExit, match="YC_SECRET"):
        segments(commands(DOC), {})
