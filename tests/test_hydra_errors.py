"""sim/hydra_errors.py: each library's way of saying what is wrong becomes the house's one
line, `<key>: <what> (allowed: <what is>)`. (The lines of whole command lines, files of
one's own and every app: tests/test_error_lines.py.)"""

from __future__ import annotations

import pytest
import yaml

from sim.config import ConfigError, ShiftConfig
from sim.hydra_errors import field_names, house_wording, hydra_message, yaml_error_line
from sim.hydra_support import compose


@pytest.mark.parametrize(("detail", "line"), [
    ("Value 'abc' of type 'str' could not be converted to Integer",
     "'abc' is not allowed (allowed: a whole number)"),
    ("Value 'x' of type 'str' could not be converted to Float",
     "'x' is not allowed (allowed: a number)"),
    ("Value 'maybe' is not a valid bool", "'maybe' is not allowed (allowed: true, false)"),
    ("Invalid value 'fax', expected one of [phone, email]",
     "'fax' is not allowed (allowed: phone, email)"),
    ("something else entirely", "something else entirely"),  # left as OmegaConf said it
])
def test_omegaconfs_type_errors_in_the_houses_words(detail, line):
    assert house_wording(detail) == line


def test_a_yaml_file_that_does_not_parse_is_named_with_its_line_and_column():
    with pytest.raises(yaml.YAMLError) as err:
        yaml.safe_load("a: [1, 2\nb: 3")
    assert yaml_error_line(err.value) == (
        "<unicode string> line 2, column 2: not valid YAML: expected ',' or ']', but got "
        "':' while parsing a flow sequence")
    assert yaml_error_line(ValueError("not yaml")) is None


def test_an_override_the_parser_cannot_read_names_its_key_and_the_grammar():
    from hydra.core.override_parser.overrides_parser import OverridesParser

    with pytest.raises(Exception) as err:
        OverridesParser.create().parse_overrides(["seed=[1,"])
    line = hydra_message(err.value)
    assert line.startswith("seed: cannot read 'seed=[1,'") and "(allowed: key=value;" in line
    assert "\n" not in line


def test_the_allowed_keys_are_the_schemas_fields():
    assert field_names("ShiftConfig") == field_names(ShiftConfig) == [
        "days", "start", "end", "role", "staff", "hourly_wage", "patient_share"]
    assert field_names("NoSuchConfig") == []


@pytest.mark.parametrize(("override", "line"), [
    ("market.days=abc", "market.days: 'abc' is not allowed (allowed: a whole number)"),
    ("market.dayz=3", "market.dayz: unknown key (allowed: days, drain_days,"),
    ("practice@practices.alpha=nosuch",
     "practice@practices.alpha: unknown option 'nosuch' (allowed: answering_service,"),
])
def test_composing_a_bad_override_fails_in_one_line(override, line):
    with pytest.raises(ConfigError) as err:
        compose([override])
    assert str(err.value).startswith(line) and "\n" not in str(err.value)
