"""Reading and validating the config folder (`config/` is YAML only; this package is its one way in).

    from configuration.loader import load_all
    config = load_all("config/", {"concurrency": 2})
"""
