"""Bad input of the wrong shape is one line naming the key and what is allowed (issue 22):
a word where a group of settings goes, one value where a list goes, an item past the end
of a list, a repeated channel. The messages were OmegaConf's ("ValidationError raised
while composing config:" with no key, "list index out of range", "int is not a
ListConfig", "[<Channel.phone: 'phone'>, ...]")."""

from __future__ import annotations

import pytest

import sim
from experiments import speed_to_lead as stl
from sim.config import ConfigError

GROUP = ("'none' is not allowed (allowed: a group of settings under answering_service: "
         "enabled, hours, agents, handle_minutes, fee_per_call, fee_per_month; to switch it "
         "off: answering_service.enabled false)")


def line_of(call) -> str:
    with pytest.raises(ConfigError) as info:
        call()
    text = str(info.value)
    assert "\n" not in text and "<" not in text, text
    return text


@pytest.fixture
def my_practice(tmp_path, monkeypatch):
    """A practice file of the user's own (their config folder), with `answering_service:
    none`, as a practice manager writes it."""
    folder = tmp_path / "mine"
    (folder / "practice").mkdir(parents=True)
    (folder / "practice" / "p_answering.yaml").write_text(
        "# @package practices.alpha\nname: Our clinic\nanswering_service: none\n")
    monkeypatch.setenv("LEADSIM_CONFIG_DIR", str(folder))
    return folder


def test_a_word_for_a_group_of_settings_in_a_file_names_the_key(my_practice):
    line = line_of(lambda: sim.load_config(["practice@practices.alpha=p_answering"]))
    assert line.startswith(f"practices.alpha.answering_service: {GROUP}"), line
    assert "p_answering.yaml" in line
    # dropped into another slot, the key is that slot's
    line = line_of(lambda: sim.load_config(["practice@practices.beta=p_answering"]))
    assert line.startswith(f"practices.beta.answering_service: {GROUP}"), line


def test_a_word_for_a_group_of_settings_on_the_command_line():
    line = line_of(lambda: sim.load_config(["practices.alpha.answering_service=none"]))
    assert line == f"practices.alpha.answering_service: {GROUP}"


@pytest.mark.parametrize(("override", "index", "has", "n"), [
    ('practices.alpha.roster.1={days:[sat],start:"09:00",end:"13:00"}', 1, "has 1 item (0)",
     1),
    ("practices.alpha.roster.3.staff=2", 3, "has 1 item (0)", 1),
    ('practices.beta.roster.5={start:"09:00"}', 5, "has 3 items (0 to 2)", 3),  # 3 shifts
])
def test_an_item_past_the_end_of_a_list_says_to_give_the_whole_list(override, index, has, n):
    slot = override.split(".")[1]
    assert len(sim.load_config([]).practices[slot].roster) == n
    line = line_of(lambda: sim.load_config([override]))
    assert line == (f"practices.{slot}.roster[{index}]: no item {index}: the list {has} "
                    f"(allowed: an index below {n}; to add or remove items give the whole "
                    f"list, e.g. 'practices.{slot}.roster=[{{...}},{{...}}]')")


def test_an_item_inside_the_list_can_still_be_set():
    cfg = sim.load_config(["practices.alpha.roster.0.staff=2"])
    assert cfg.practices["alpha"].roster[0].staff == 2


@pytest.mark.parametrize(("override", "line"), [
    # a bad item of a whole list fails at an index equal to the length so far: not "no item"
    ("practices.alpha.channels=[phone,fax]", "practices.alpha.channels[1]: 'fax' is not "
     "allowed (allowed: phone, web_form, email, chat, sms, social_dm, review_site)"),
    ("practices.alpha.roster=[{staff: 1},none]", "practices.alpha.roster[1]: 'none' is not "
     "allowed (allowed: a group of settings under roster[1]: days, start, end, role, staff, "
     "hourly_wage, patient_share)"),
])
def test_a_bad_item_of_a_whole_list_is_named_as_such(override, line):
    assert line_of(lambda: sim.load_config([override])) == line


@pytest.mark.parametrize(("override", "line"), [
    ("practices.alpha.roster=none", "practices.alpha.roster: 'none' is not allowed (allowed: "
     "a list in brackets, e.g. roster=[{...}])"),
    ("practices.alpha.channels=phone", "practices.alpha.channels: 'phone' is not allowed "
     "(allowed: a list in brackets, e.g. channels=[phone])"),
    ("practices.alpha.channels=[phone,phone]", "practices.alpha.channels: 'phone' is listed "
     "twice (allowed: each channel once)"),
    ("practices.alpha.roster.0.days=[mon,mon]", None),  # a repeated day is harmless
])
def test_one_value_where_a_list_goes_and_repeats(override, line):
    if line is None:
        sim.load_config([override])
        return
    assert line_of(lambda: sim.load_config([override])) == line


def test_a_single_delay_says_to_give_a_list():
    assert line_of(lambda: stl.load_config(["delays=5"])) == (
        "delays: '5' is not allowed (allowed: a list in brackets, e.g. delays=[5])")


@pytest.mark.slow
@pytest.mark.parametrize(("module", "args", "line"), [
    ("experiments.speed_to_lead", ["delays=5"],
     "error: delays: '5' is not allowed (allowed: a list in brackets, e.g. delays=[5])"),
    ("sim", ["practices.alpha.channels=[phone,phone]"],
     "error: practices.alpha.channels: 'phone' is listed twice (allowed: each channel once)"),
])
def test_the_command_line_prints_the_line_and_writes_nothing(run_cli, list_files, module,
                                                             args, line):
    proc = run_cli(args, module=module)
    assert proc.returncode == 2
    assert proc.stderr.strip() == line and proc.stdout == ""
    assert list_files(proc.cwd) == []


def test_a_path_as_a_group_option_is_named_whole():
    """It was `plan//tmp/x: unknown option 'mine.yaml'`: Hydra's missing config split at the
    last slash."""
    line = line_of(lambda: sim.load_config(["plan=/tmp/x/mine.yaml"]))
    assert line.startswith("plan: '/tmp/x/mine.yaml' is a path; a config group takes a name"), line
    assert "saturday_shift" in line and "plan/" in line


def test_a_group_that_lives_in_slots_names_the_slots():
    """It was `practice: Could not override 'practice'.`, with no hint of the slots."""
    line = line_of(lambda: sim.load_config(["practice=solo_front_desk"]))
    assert line.startswith("practice: not a group of this command's config"), line
    assert "practice@practices.alpha" in line
