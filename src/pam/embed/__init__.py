"""Embedders: the `Embedder` protocol (`base`), the local MiniLM model (`minilm`) and a test double (`fake`).

Nothing is imported here on purpose: importing the package must not load onnxruntime.
"""
