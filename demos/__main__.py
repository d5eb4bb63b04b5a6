"""`python -m demos` lists the demos; `python -m demos.<name>` runs one."""

import importlib
import pkgutil

import demos


def main() -> None:
    print("Demos (run one with: python -m demos.<name> [--out DIR] [--seed N] [--epochs N]):")
    for info in pkgutil.iter_modules(demos.__path__):
        if not info.name.startswith("_"):
            summary = importlib.import_module(f"demos.{info.name}").__doc__.strip().splitlines()[0]
            print(f"  {info.name:<14} {summary}")


if __name__ == "__main__":
    main()
