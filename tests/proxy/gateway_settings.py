"""The proxy the gateway tests start: its rate-limit window, its team keys and their limits."""

WINDOW = 1
"""Seconds per rate-limit window of the proxy (LITELLM_RATE_LIMIT_WINDOW_SIZE; 60 by default)."""
THROTTLED_LIMIT = 3
"""Requests per window the throttled team key may send."""
THROTTLED_KEY = "sk-team-throttled-" + "3b9e71d4" * 3
OPEN_KEY = "sk-team-open-" + "c05a82f6" * 3
"""A team key without a limit."""
UPSTREAM_KEY = "sk-upstream-provider-" + "77d1e0b2" * 3
"""The key the proxy itself holds for the model provider (the loopback judge)."""
MASTER_KEY = "sk-proxy-master-" + "a4f39c18" * 3
