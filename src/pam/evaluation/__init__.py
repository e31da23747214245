"""Retrieval evaluation on BEIR-format datasets (`pam eval`)."""
