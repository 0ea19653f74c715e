"""What the gate can do, importable without loading presidio or spaCy."""

PHI_MODES = ("redact", "drop", "fail", "report", "off")
PHI_TYPES = ("NAME", "DATE", "AGE", "PHONE", "EMAIL", "URL", "ADDRESS", "ID", "NIR", "RRN")
