"""Constants of the Langfuse public API and of the sync's defaults."""

from datetime import UTC, datetime, timedelta

API_PREFIX = "/api/public"
# Where a key pair without a host is sent (the Langfuse SDKs' default too).
DEFAULT_HOST = "https://cloud.langfuse.com"

# Langfuse was founded in 2023: nothing older can exist, so a first sync with no --since starts here.
EARLIEST_DATA = datetime(2023, 1, 1, tzinfo=UTC)

# Late upserts (end time, output, usage) only touch rows near their start time; re-reading the last
# hour catches them, as PostHog's Langfuse source does, and covers v4's ingestion lag (up to ~10 minutes,
# as the simulator lags by default) six times over. A reconcile pass covers older changes.
DEFAULT_LOOKBACK = timedelta(hours=1)
# v2 observations and metrics can lag ingestion by up to ~10 minutes: never read the last minutes.
DEFAULT_SETTLE_DELAY = timedelta(minutes=10)
# A long backfill commits after this many rows of one resource, so a crash resumes there.
DEFAULT_CHUNK_ROWS = 200_000
# Rows per item handed to dlt: its per-item cost (schema and hints checks) dwarfs a page's write.
ITEM_ROWS = 10_000

# Requests per minute of the Cloud plans' general bucket (the tightest one a sync uses).
PLAN_MAX_RPM = {"hobby": 30, "core": 100, "pro": 1000, "unlimited": None}

# More rows than a page in one millisecond of a legacy list, which keeps no order among them: read it
# until this many passes in a row find no new row (at most TIE_MAX_PASSES passes).
TIE_STABLE_PASSES = 3
TIE_MAX_PASSES = 12

# The most requests of one read in flight, plan or no plan (threads started; ``concurrency``).
MAX_REQUESTS_IN_FLIGHT = 24

MAX_RETRIES = 8
RETRY_AFTER_CAP_SECONDS = 300.0
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 30.0
REQUEST_TIMEOUT_SECONDS = 120.0
