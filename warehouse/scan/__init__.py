"""Scanning from a phone or tablet: the scan page, its offline outbox and service worker."""
