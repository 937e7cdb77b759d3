"""Visits: a service's level check and a first look at a portal or a service link, each sealed as a run."""
