"""The PHI gate: detect identifiers in clinical text (presidio + offline recognizers) and
redact, drop, stop or count."""
