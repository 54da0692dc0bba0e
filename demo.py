"""The offline demo: synthetic photos -> HDF5 dataset -> AlexNet -> baseline vs 10-crop -> report.

Usage:
    python demo.py [--config config/demo_config.py] [--set NAME=VALUE ...]
"""

from __future__ import annotations

import sys

from pyimagesearch.cli import config_parser, friendly_errors
from pyimagesearch.config import load_config
from pyimagesearch.demo.demo import run_demo
from pyimagesearch.utils.backends import use_backend

DEFAULT_CONFIG = "config/demo_config.py"


@friendly_errors
def main(argv: list[str] | None = None) -> None:
    parser = config_parser(__doc__.splitlines()[0], config_required=False)
    args = parser.parse_args(argv)
    cfg = load_config(args.config or DEFAULT_CONFIG, overrides=args.set)
    use_backend(cfg.get("BACKEND"), cfg.get("STRATEGY"))  # before Keras is imported
    run_demo(cfg)


if __name__ == "__main__":
    sys.exit(main())
