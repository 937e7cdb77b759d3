"""Loading the whole config folder (`configuration.load_all`): milliseconds per load, libyaml vs pure Python.

Every command loads the whole folder before it starts (settings, agencies, playbooks, criteria,
scoring), so this is start-up time. Both ways run in this process on the same folder, alternating
round by round so both meet the same machine noise; the baseline is PyYAML's pure-Python parser
with the same line-keeping constructors.

    .venv/bin/python bench/bench_config.py [--rounds 20] [--config DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import describe  # noqa: E402
from configuration import yamlfile  # noqa: E402
from configuration.loader import DEFAULT_CONFIG_DIR, load_all  # noqa: E402


class PureLoader(yaml.SafeLoader):
    """The same constructors as kiemtra's loader, over PyYAML's pure-Python parser."""


for tag in (yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG):
    PureLoader.add_constructor(tag, yamlfile._Loader.yaml_constructors[tag])


def seconds_per_load(directory: Path, loader: type[yaml.SafeLoader]) -> float:
    yamlfile._Loader, kept = loader, yamlfile._Loader  # type: ignore[misc]
    try:
        started = time.perf_counter()
        load_all(directory)
        return time.perf_counter() - started
    finally:
        yamlfile._Loader = kept  # type: ignore[misc]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG_DIR)
    args, _ = parser.parse_known_args()   # bench/run_all.py hands every benchmark the same arguments
    ways = {"libyaml": yamlfile._Loader, "pure Python": PureLoader}
    load_all(args.config)                 # imports and first-use costs out of the figures
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.rounds):
        for name, loader in ways.items():
            times[name].append(seconds_per_load(args.config, loader))
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    uses_libyaml = yamlfile._Loader.__mro__[1] is not yaml.SafeLoader
    print(f"config: {args.config}, {args.rounds} rounds; kiemtra's loader uses libyaml: {uses_libyaml}")
    for name, value in medians.items():
        print(f"  {name:12} {value:8.1f} ms per load_all (median)")
    print(f"  ratio pure Python / libyaml: ×{medians['pure Python'] / medians['libyaml']:.2f}")
    print(describe())


if __name__ == "__main__":
    main()
