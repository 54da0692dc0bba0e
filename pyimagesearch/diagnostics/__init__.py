"""Looking at a model and its data: what went wrong on a split (``diagnose``, diagnose.py),
where the model looks (``activation_maps``, and ``cam`` for cam.py), and a batch as the
network receives it (``show_batch``, show_batch.py)."""
