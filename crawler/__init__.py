"""kiemtra's visiting side: the CLI, the night's plan, the browser, the bots and spiders.

Nothing here decides a verdict or points; that is `checks/`. Nothing here writes SQL; that is
`evidence/`.
"""

__version__ = "0.1.0"
