"""Terminal configuration: defaults, one-line errors naming the key, the generated reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli.config_cmd import reference
from kiosk.config import Config, ConfigError, load_config
from tests.common import ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "terminal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_at_the_default_path_means_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("YICHUANG_CONFIG", raising=False)
    monkeypatch.setattr("kiosk.config.DEFAULT_PATH", tmp_path / "absent.toml")
    assert load_config() == Config()


def test_values_from_the_file_override_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, '[terminal]\nid = "LC0007"\n[devices]\nprinter = "tcp://192.0.2.5:9100"\n')
    config = load_config(path)
    assert config.terminal.id == "LC0007"
    assert config.devices.printer == "tcp://192.0.2.5:9100"
    assert config.devices.card_reader == "sim://"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[terminal]\nid = "lc 7"\n', "terminal.id: String should match pattern"),
        ('[devices]\nprinter = "ftp://x"\n', "devices.printer: scheme 'ftp' is not one of"),
        ('[devices]\nprinter = "tcp://:9100"\n', "devices.printer: 'tcp://:9100' needs a host"),
        ('[terminal]\nlocael = "en"\n', "terminal.locael: unknown setting (check the spelling)"),
        ('[log]\nlevel = "LOUD"\n', "log.level: Input should be"),
        ('[terminal]\ntimezone = "Mars/Olympus"\n', "terminal.timezone: unknown time zone 'Mars/Olympus'"),
        ("[terminal\nid = 1\n", "not valid TOML"),
    ],
)
def test_a_bad_file_gives_one_line_naming_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"config {path}: ")
    assert expected in message


def test_an_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_every_setting_has_a_description() -> None:
    for section in Config.model_fields.values():
        model = section.annotation
        assert model is not None
        for name, info in model.model_fields.items():  # type: ignore[union-attr]
            assert info.description, f"{model.__name__}.{name} has no description"


def test_the_documented_reference_is_current() -> None:
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert documented == reference(), "run: yichuang config reference > docs/configuration.md"


def test_the_reference_is_itself_a_valid_config(tmp_path: Path) -> None:
    body = reference().split("```toml\n", 1)[1].split("```", 1)[0]
    path = write(tmp_path, body)
    assert load_config(path) == Config()


def test_the_tpm_pcrs_of_the_file_reach_the_provider(tmp_path: Path) -> None:
    from kiosk.store.keys import TpmProvider
    from kiosk.store.providers import provider_for

    path = tmp_path / "terminal.toml"
    path.write_text('[store]\nkey_provider = "tpm"\ntpm_pcrs = [7, 0]\n')
    provider = provider_for(load_config(path).store)
    assert isinstance(provider, TpmProvider)
    assert provider.pcrs == (0, 7)
    path.write_text('[store]\ntpm_pcrs = [24]\n')
    with pytest.raises(ConfigError, match="tpm_pcrs"):
        load_config(path)


def test_a_rendered_configuration_loads_back_unchanged(tmp_path: Path) -> None:
    from kiosk.config import render_config

    path = tmp_path / "terminal.toml"
    path.write_text('[devices]\nprinter = "tcp://192.0.2.10:9100"\n[store]\ntpm_pcrs = [0, 7]\n'
                    '[technician]\npin_hash = "a \\"quoted\\" 值"\n')
    original = load_config(path)
    path.write_text(render_config(original, "copy"))
    assert load_config(path) == original
