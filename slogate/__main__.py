"""`python -m slogate`: the command line as a program (how slogate starts its own children)."""

from slogate.cli import program

program()
