"""ViA Kennisbank search service: settings, search, answers, API and web pages."""

import os

# No network at run time: never send usage telemetry, never ask a model hub.
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
