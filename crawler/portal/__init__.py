"""Category 3 on the visiting side: crawl a portal (Scrapy), look at it in a browser, keep what was seen."""
