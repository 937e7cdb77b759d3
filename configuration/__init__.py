"""Reading and validating the config folder (`config/` is YAML only; this package is its one way in)."""
