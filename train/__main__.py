"""`python -m corpus.train ARGS` = `corpus train ARGS`: the entry `accelerate launch -m` needs."""

import sys

from corpus.cli import app

if __name__ == "__main__":
    sys.exit(app(args=["train", *sys.argv[1:]], prog_name="corpus"))
