"""File-format building blocks shared by ingestion and the data tables: sheet regions, identifiers, text decoding, cell values, parse limits."""
