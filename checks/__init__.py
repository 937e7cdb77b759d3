"""kiemtra's judging side: pure functions from what a visit recorded to verdicts, scores and ranks.

Nothing here touches the network, the browser, Scrapy or the store: every verdict can be
recomputed from stored evidence, and every check is tested without a browser.
"""
