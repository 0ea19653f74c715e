"""`python -m corpus` runs the CLI."""

from corpus.cli import app

app(prog_name="corpus")
