"""Hydra apps that run many leadsim scenarios (see the README), and the example sweeps
under experiments/sweeps/ (`python -m sim -m +sweeps=<name>`)."""
