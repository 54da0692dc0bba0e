"""Threads: how many to use (``workers``), the shared pool that splits one batch's
per-image work (``batches``), and blocks of images decoded side by side (``blocks``).

OpenCV and NumPy release the GIL, so threads overlap fully without copying images between
processes; every thread count the project uses comes from :mod:`.workers`.
"""
