"""The nightly crawl: the plan, the persistent queue's runner, jobs, retries, the lock, recovery, the summary."""
