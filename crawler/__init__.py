"""kiemtra's visiting side: the night's plan and queue runner, the browser, the bots and spiders.

Nothing here decides a verdict or points; that is `checks/`. Nothing here writes SQL; that is
`evidence/`. The CLI is `kiemtra/`; the version is `kiemtra.__version__`.
"""
