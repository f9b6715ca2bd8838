"""Operator mistakes at `provision token create` are said in one line naming the mistake with exit 2, never
'internal error' (#23 defect 9, and the unknown hall of defect 12); a database URL's password is never shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from main import cli


@pytest.mark.parametrize(("args", "said"), [
    (["--prefix", "ABC"], "--prefix 'ABC': the terminal id prefix is two capital letters"),
    (["--hall", "no-such-hall"], "--hall 'no-such-hall' is not a hall of the catalog (its halls: lc-ccb-outlet"),
    (["--expires", "0h"], "'0h': give a duration such as 30m, 24h or 7d"),
    (["--db", "nonsense"], "--db 'nonsense' is not a database URL"),
    (["--db", "postgresql+psycopg://ops:s3cret-pw@127.0.0.1:1/central"],
     "cannot open central's database postgresql+psycopg://ops:***@127.0.0.1:1/central: connection failed"),
])
def test_a_mistake_is_one_line_naming_it(tmp_path: Path, args: list[str], said: str) -> None:
    base = {"--hall": "lc-center", "--site": "hall", "--prefix": "LC", "--db": f"sqlite:///{tmp_path}/central.db"}
    assert CliRunner().invoke(cli, ["central", "db", "upgrade", "--db", base["--db"]]).exit_code == 0
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = CliRunner().invoke(cli, ["provision", "token", "create", *(x for kv in base.items() for x in kv)])
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert "internal error" not in result.output
    assert "s3cret-pw" not in result.output
    assert len(result.output.strip().splitlines()) == 1
