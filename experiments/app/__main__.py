"""`python -m experiments.app`: the same as `leadsim app`."""

from . import main

main()
