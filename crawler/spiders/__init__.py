"""Scrapy spiders: each runs in a subprocess of its own (Scrapy's reactor cannot restart in one process)."""
