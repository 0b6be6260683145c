"""Checking the jobs of a sweep while composing only a few of them.

Composing one leadsim config costs a third of a second, and Hydra composes every job of a
sweep twice (its basic sweeper checks each before launching, the launcher composes each
again). `SweepChecker` (preflight and leadsim's sweeper: hydra_plugins/leadsim_sweeper)
and `JobConfigLoader` (the launcher's job configs) compose the first job of each set of
config-group choices in full, and make every other job from it by setting its plain
values as Hydra sets a command-line value: only where the order of the overrides cannot
matter (`_OverrideSorter.plain`). tests/test_leadsim_sweeper.py checks that the configs
are Hydra's own, and tests/test_sweep_check.py the rules of what may be patched.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from .config import ConfigError
from .hydra_errors import hydra_message


class _OverrideSorter:
    """A sweep's overrides parsed once, and sorted: those that only set a value in the
    composed config (plain) and those that need a composition (group choices, Hydra's own
    settings, deletions, dicts merged into a node, `+key` additions, which Hydra refuses
    when the key exists). `choices(parsed)` names what a composition depends on."""

    def __init__(self, groups: Sequence[str] = ()) -> None:
        from hydra.core.override_parser.overrides_parser import OverridesParser

        self.parser = OverridesParser.create()
        self.parsed: dict[str, Any] = {}
        # config groups: those the config loader lists, and those seen in composed configs
        self.groups: set[str] = set(groups)

    def parse(self, overrides: list[str]) -> list:
        new = [o for o in overrides if o not in self.parsed]
        if new:
            self.parsed.update(zip(new, self.parser.parse_overrides(new)))
        return [self.parsed[o] for o in overrides]

    def learn_groups(self, cfg) -> None:
        """The config groups of a composed config (with its `hydra` node)."""
        self.groups.update(str(k).split("@")[0] for k in cfg.hydra.runtime.choices)

    def is_group(self, o) -> bool:
        return o.package is not None or o.key_or_group in self.groups

    def needs_compose(self, o) -> bool:
        """Whether an override can change more than one value of the composed config."""
        key = o.key_or_group
        return (o.is_delete() or o.is_add() or self.is_group(o)
                or key == "hydra" or key.startswith(("hydra.", "hydra/"))
                or isinstance(o.value(), dict))

    def choices(self, parsed: list) -> tuple[str, ...]:
        return tuple(o.input_line for o in parsed if self.needs_compose(o))

    def plain(self, parsed: list) -> list | None:
        """The job's plain overrides, if setting them on a composed config with the same
        choices gives what composing gives; None otherwise. Hydra applies every override
        but a group choice (a dict given to a group, `market={...}`, included) in order,
        after composing: a plain value set where another override of the job also reaches
        (the same key, a key inside it or around it) would depend on that order."""
        plain = [o for o in parsed if not self.needs_compose(o)]
        if plain:
            paths = [o.key_or_group for o in parsed
                     if not self.is_group(o) or isinstance(o.value(), dict)]
            if keys_overlap(paths):
                return None
        return plain


def keys_overlap(paths: list[str]) -> bool:
    """Whether a key is named twice, or one key lies inside another (`a` and `a.b`,
    `a[0]`), whatever other keys sort between them."""
    seen = set(paths)
    if len(seen) != len(paths):
        return True
    return any(p[:i] in seen for p in paths for i, ch in enumerate(p) if ch in ".[")


class SweepChecker:
    """Validates the jobs of a sweep (override lists with the same keys) and composes few.

    Composing one leadsim config costs a third of a second (OmegaConf merges of the
    structured schema): a sweep over `seed=range(1,1001)` must not compose a thousand
    times. So the first job with a given set of config-group choices is composed in full
    by `compose(overrides)`, which returns the config with its `hydra` node (the choices
    are read from it), and becomes the reference for those choices. Every later job with
    the same choices is checked as its reference with the job's plain values set the way
    Hydra sets a command-line override (`OmegaConf.update(cfg, key, value, merge=True)`),
    which takes microseconds. Whatever could change more than a value is composed in
    full (`_OverrideSorter`): a config-group choice, a deletion, a dict merged into a
    node, a `+key` addition, Hydra's own settings, and a value whose key another override
    of the job also reaches (then the order of the overrides decides). A job that fails on
    its patched reference is composed in full as well, so an error is always the one a
    full composition gives.

    A config composed already can serve as a reference too (`add_reference`): leadsim's
    sweeper hands over the config Hydra composed for the sweep itself, so a sweep of plain
    values is checked without composing any job.

    `check(cfg)` adds the app's own validation (cfg without `hydra`; raise ConfigError).
    Calling the checker with a bad job raises ConfigError, one line naming the key.
    `composed` counts the full compositions; `keep` bounds the references held.
    """

    def __init__(self, compose: Callable[[list[str]], Any], check: Callable | None = None,
                 keep: int = 32, groups: Sequence[str] = ()) -> None:
        self.compose, self.check, self.keep = compose, check, keep
        self.composed = 0
        self._sorter = _OverrideSorter(groups)  # `groups`: the config loader's list
        self._references: OrderedDict[tuple[str, ...], _Reference] = OrderedDict()

    def __call__(self, overrides: Sequence[str]) -> None:
        overrides = list(overrides)
        sorter = self._sorter
        parsed = sorter.parse(overrides)
        if not self._references:  # the first job: the group names come from its config
            self._compose_and_check(overrides, parsed, keep=True)
            return
        choices = sorter.choices(parsed)
        reference = self._references.get(choices)
        plain = sorter.plain(parsed)
        if reference is None or plain is None or not reference.can_patch(plain):
            self._compose_and_check(overrides, parsed, keep=reference is None)
            return
        self._references.move_to_end(choices)
        try:
            reference.patch(plain)
            if self.check is not None:
                self.check(reference.cfg)
        except Exception:  # let a full composition give the verdict (and the message)
            self._compose_and_check(overrides, parsed, keep=False)

    def add_reference(self, cfg, overrides: Sequence[str]) -> None:
        """Take `cfg`, composed already (with its `hydra` node) from `overrides` plus keys
        left at their config values, as the reference for the jobs with the same
        config-group choices. Those jobs then set their own values on a copy of it; keys
        `overrides` does not name are set on first use, as Hydra sets a command-line value.

        Hydra's multirun config is such a config: composed from the command line with its
        sweeps left out, so its app part is the first job's before the swept values are
        set (Hydra applies a group choice, a deletion or a dict in composing; a sweep of
        any of those gives other choices, so those jobs are composed in full)."""
        from omegaconf import open_dict, read_write

        sorter = self._sorter
        parsed = sorter.parse(list(overrides))
        sorter.learn_groups(cfg)
        plain = sorter.plain(parsed)
        if plain is None:  # the command line's own overrides overlap: compose each job
            return
        cfg = copy.deepcopy(cfg)  # the caller's config stays as it is
        with read_write(cfg), open_dict(cfg):
            del cfg["hydra"]
        self._references[sorter.choices(parsed)] = _Reference(cfg, plain, complete=False)
        while len(self._references) > self.keep:
            self._references.popitem(last=False)

    def _compose_and_check(self, overrides: list[str], parsed: list, keep: bool) -> None:
        from omegaconf import open_dict, read_write

        self.composed += 1
        try:
            cfg = self.compose(overrides)
        except ConfigError:
            raise
        except Exception as exc:  # Hydra / OmegaConf errors: keep the line that names the key
            raise ConfigError(hydra_message(exc, overrides)) from None
        self._sorter.learn_groups(cfg)
        choices = dict(cfg.hydra.runtime.choices)
        with read_write(cfg), open_dict(cfg):  # the app's config, as a job receives it
            del cfg["hydra"]
        try:
            self._check(cfg, overrides)
        except ConfigError as exc:  # a value of a file: name the file and line
            from .config_files import locate

            raise ConfigError(locate(str(exc), choices, overrides)) from None
        plain = self._sorter.plain(parsed)
        if keep and plain is not None:
            self._references[self._sorter.choices(parsed)] = _Reference(cfg, plain)
            while len(self._references) > self.keep:
                self._references.popitem(last=False)

    def _check(self, cfg, overrides: list[str]) -> None:
        if self.check is None:
            return
        try:
            self.check(cfg)
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError(hydra_message(exc, overrides)) from None


class _Reference:
    """A composed app config and, by key, the plain override now set in it (None: not
    known, set it again). `complete=False`: a job may name more keys than were set in
    composing it (the swept ones, left at their config values); the first job adds them."""

    def __init__(self, cfg, plain: list, complete: bool = True) -> None:
        self.cfg = cfg
        self.values: dict[str, str | None] = {o.get_key_element(): o.input_line for o in plain}
        self.complete = complete

    def can_patch(self, plain: list) -> bool:
        """The same plain keys as the reference (or more, until it is complete). `plain`
        comes from `_OverrideSorter.plain`: each key once, none inside another."""
        keys = sorted(o.get_key_element() for o in plain)
        return keys == sorted(self.values) or (not self.complete
                                               and set(self.values) <= set(keys))

    def patch(self, plain: list) -> None:
        """Set the values that differ from those set now, as Hydra applies an override."""
        if not self.complete:  # from now on every job names exactly these keys
            for o in plain:
                self.values.setdefault(o.get_key_element(), None)
            self.complete = True
        for o in plain:
            key = o.get_key_element()
            if self.values[key] == o.input_line:
                continue
            self.values[key] = None  # unknown until set: a failed merge may leave half a list
            _set_plain(self.cfg, o)
            self.values[key] = o.input_line


def _set_plain(cfg, o) -> None:
    """Set one plain override (`_OverrideSorter.plain`) on a composed config as Hydra
    applies a command-line value: merged into the node, `++key` may add the key."""
    from omegaconf import OmegaConf

    OmegaConf.update(cfg, o.key_or_group, o.value(), merge=True, force_add=o.is_force_add())


class JobConfigLoader:
    """Hydra's config loader for the jobs of one sweep, composing few of them: what a
    launcher asks for each job (`load_sweep_config`) is composed in full for the first
    job of each set of config-group choices (in each process), and for every later job
    with those choices it is a copy of that config with the job's plain values set as
    Hydra sets a command-line value, and the job's own entries in the `hydra` node
    (`hydra.overrides.task`, `hydra.job.override_dirname`) written as Hydra writes them.
    A copy costs about 20 ms where composing costs about 300: in a sweep of 90-day runs
    that was a third of each job. tests/test_leadsim_sweeper.py checks that the configs
    are equal to Hydra's, `hydra` node and flags included.

    Whatever could change more than a value (a group choice, a deletion, a dict, a Hydra
    setting), a job naming other keys than the first, or a value that does not apply, is
    composed in full by Hydra. Every other method is Hydra's loader's. The references are
    kept per process and per sweep (`sweep_id`), so joblib's workers, which receive a
    pickled copy of this loader with each job, reuse theirs from job to job.
    """

    def __init__(self, inner, sweep_id: str, groups: Sequence[str] = (),
                 keep: int = 8) -> None:
        self.inner, self.sweep_id, self.keep = inner, sweep_id, keep
        self.groups = tuple(groups)  # the app's config groups (`config_groups`)

    def __getattr__(self, name: str):
        if name == "inner":  # not set yet (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    def load_sweep_config(self, master_config, sweep_overrides: list[str]):
        from omegaconf import OmegaConf

        state = _JOB_STATES.get(self.sweep_id)
        if state is None:
            _JOB_STATES.clear()  # one sweep at a time per process
            state = _JOB_STATES[self.sweep_id] = _JobState(self.groups)
        overrides = list(sweep_overrides)
        parsed = state.parse(overrides)
        reference = state.references.get(state.choices(parsed))
        plain = state.plain(parsed)
        cfg = None
        if reference is not None and plain is not None:
            cfg = reference.job_config(parsed, plain)
        if cfg is None:
            cfg = self.inner.load_sweep_config(master_config, overrides)
            state.learn_groups(cfg)
            plain = state.plain(parsed)
            if reference is None and plain is not None:
                state.references[state.choices(parsed)] = _JobReference(cfg, parsed, plain)
                while len(state.references) > self.keep:
                    state.references.popitem(last=False)
            return cfg
        OmegaConf.copy_cache(from_config=master_config, to_config=cfg)
        return cfg


class _JobState(_OverrideSorter):
    """A process's overrides and job references for one sweep (JobConfigLoader)."""

    def __init__(self, groups: Sequence[str] = ()) -> None:
        super().__init__(groups)
        self.references: OrderedDict[tuple[str, ...], _JobReference] = OrderedDict()


_JOB_STATES: dict[str, _JobState] = {}


class _JobReference:
    """A job's config as Hydra composed it (kept unchanged), and its plain overrides."""

    def __init__(self, cfg, parsed: list, plain: list) -> None:
        self.cfg = copy.deepcopy(cfg)
        self.values = {o.get_key_element(): o.input_line for o in plain}
        self.keys = [o.get_key_element() for o in parsed]

    def job_config(self, parsed: list, plain: list):
        """The config of a job with the same choices and `plain` values (from
        `_OverrideSorter.plain`), or None when only Hydra can say."""
        from omegaconf import open_dict

        from .hydra_adapter import overrides_dirname

        if [o.get_key_element() for o in parsed] != self.keys:
            return None  # other keys, or in another order: compose
        cfg = copy.deepcopy(self.cfg)
        try:
            for o in plain:
                if self.values[o.get_key_element()] != o.input_line:
                    _set_plain(cfg, o)
        except Exception:
            return None
        app = [o for o in parsed if not o.is_hydra_override()]
        job = cfg.hydra.job
        with open_dict(cfg.hydra):
            cfg.hydra.overrides.task = [o.input_line for o in app]
            job.override_dirname = overrides_dirname(
                app, kv_sep=job.config.override_dirname.kv_sep,
                item_sep=job.config.override_dirname.item_sep,
                exclude_keys=job.config.override_dirname.exclude_keys)
        return cfg
