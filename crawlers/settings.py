"""Scrapy settings for every minsheng spider (``scrapy.cfg`` points here).

Politeness values (User-Agent, per-domain concurrency, AutoThrottle) come from the app
config and are applied by each spider's ``from_crawler``; these are the defaults and
the machinery. The app config comes from ``-a config=PATH``, or else from
``api.settings.locate_config()`` (``MINSHENG_CONFIG``, ./minsheng.yaml, the demo config).
"""

BOT_NAME = "minsheng"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

MINSHENG_CONFIG = None  # `-s MINSHENG_CONFIG=PATH` also works

# Politeness.
ROBOTSTXT_OBEY = True
USER_AGENT = "minsheng/0.1 (+public-opinion monitor; contact: ops)"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
# Scrapy starts this many tasks for every callback's output. The item pipelines are
# synchronous, so the default 100 only costs CPU: a comment page of 20 items paid for
# 100 tasks, a fifth of the API-mode crawl's time.
CONCURRENT_ITEMS = 16

# Faults: retries with backoff on 5xx, 429 (Retry-After) and timeouts.
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE_S = 0.5
RETRY_BACKOFF_MAX_S = 30.0
RETRY_AFTER_MAX_S = 120.0
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawlers.middlewares.SharedRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.BackoffRetryMiddleware": 550,
    # Below retries and above redirects: sees every answer, and the login page a redirect lands on.
    "crawlers.walls.AccessWallDetector": 580,
}

# Storage and run records.
ITEM_PIPELINES = {"crawlers.pipelines.StorePipeline": 300}
EXTENSIONS = {
    "crawlers.extensions.RunRecorder": 500,
    "crawlers.crawl_logging.CrawlLogContext": 510,
    "scrapy.extensions.telnet.TelnetConsole": None,
}

# No consoles: a crawl subprocess must not open ports.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = "INFO"
COOKIES_ENABLED = True
HTTPCACHE_ENABLED = False
# Incremental state lives in the store, not in a JOBDIR.
JOBDIR = None
