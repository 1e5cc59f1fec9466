"""On-disk response cache keyed by URL, so that a rerun makes no request and sees the same bytes.

Layout: ``ROOT/<h[:2]>/<h>.json`` where ``h`` is the SHA-256 of the URL: content-addressed names
need no escaping and spread over 256 folders. Each entry holds the URL (checked on read, so a
hash collision or a stray file is a miss), the status, the headers the scrapers read, the fetch
time and the body text. Entries are written to a temporary file and renamed, so a crash leaves
either the old entry or the new one. Nothing expires: delete the folder to refetch.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from scrapers.types import Page

# Only final answers are cached: a 404 is as reproducible as a 200, a 503 is not.
CACHEABLE_STATUSES = (200, 404, 410)
KEPT_HEADERS = ("content-type", "x-robots-tag")


class Cache:
    """Pages on disk under ``root``, one JSON file per URL."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, url: str) -> Path:
        """Where the entry for ``url`` lives."""
        digest = hashlib.sha256(url.encode()).hexdigest()
        return self.root / digest[:2] / f"{digest}.json"

    def get(self, url: str) -> Page | None:
        """The cached page, or None when there is none (or the file is unreadable)."""
        try:
            data = json.loads(self.path(url).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("url") != url:
            return None
        return Page(url, int(data["status"]), data["text"], dict(data["headers"]), data["fetched_at"], True)

    def put(self, page: Page) -> None:
        """Store a page if its status is a final answer."""
        if page.status not in CACHEABLE_STATUSES:
            return
        target = self.path(page.url)
        target.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "url": page.url,
            "status": page.status,
            "headers": {k: v for k, v in page.headers.items() if k in KEPT_HEADERS},
            "fetched_at": page.fetched_at,
            "text": page.text,
        }
        handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entry, out, ensure_ascii=False)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
