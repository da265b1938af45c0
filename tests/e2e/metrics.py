#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Scrape a Prometheus endpoint and print its samples as JSON, parsed by
prometheus_client's own parser (a malformed exposition fails here).

    metrics.py URL            -> {"name{k=v,...}": value, ...}
"""
import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
out = {}
for fam in text_string_to_metric_families(text):
    for s in fam.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        out[f"{s.name}{{{labels}}}" if labels else s.name] = s.value
json.dump(out, sys.stdout, sort_keys=True)
