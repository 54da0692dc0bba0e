"""The offline demo: synthetic Kaggle-style photos (``synthetic_dataset``) and the whole
pipeline on them (``demo``, the engine of demo.py)."""
