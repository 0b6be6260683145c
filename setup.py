"""Where the wheel's files come from (the rest of the metadata is in pyproject.toml).

`configs/` stays at the top of the repository, where users find it, and is shipped inside
the package as `sim/configs/` (sim.paths.CONFIG_DIR looks there first); `examples/` (the
fit tutorial's exports) the same way as `sim/examples/` (sim.paths.EXAMPLES_DIR). A package-dir
mapping does that without copying or symlinking anything: setuptools reads the files
from `configs/` when it builds an sdist or a wheel, and an editable install keeps reading
the checkout's folder. It is here rather than in pyproject.toml because pyproject's
`packages.find` cannot add a package that lives in another folder, and an explicit list
of packages would silently leave out the next subpackage someone adds.
"""

from setuptools import find_namespace_packages, setup

# hydra_plugins/ is a namespace package shared with Hydra's own plugins (no __init__.py)
packages = find_namespace_packages(include=["sim*", "experiments*", "hydra_plugins*"],
                                   exclude=["*.__pycache__", "sim.configs*", "sim.examples*"])

# configs/ and each of its group folders, as (data-only) packages under sim.configs
configs = ["sim.configs"] + [f"sim.configs.{p}" for p in find_namespace_packages(where="configs")]

setup(
    packages=[*packages, *configs, "sim.examples"],
    package_dir={"sim.configs": "configs", "sim.examples": "examples"},
    package_data={
        **{name: ["*.yaml"] for name in configs},
        "sim.examples": ["*.tsv", "*.csv", "*.yaml"],
        # the example sweeps, found by Hydra through `pkg://experiments` (+sweeps=<name>)
        "experiments.sweeps": ["*.yaml", "*.md"],
    },
)
