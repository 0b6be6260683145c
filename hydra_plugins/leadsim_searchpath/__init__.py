"""Adds the user's config folder (sim.paths.user_config_dir) to the search path of every
leadsim app, so a user's own practices and plans are found by name. Hydra imports every
module of `hydra_plugins` at each start: this one stays small and touches only search
paths whose primary config folder is leadsim's."""
