"""WCAG 2.1 A/AA checks by axe-core on every page the browser tests open.

``watch(context)`` gives every document of a browser context axe-core (vendored in
``vendor/axe-core``, refreshed by ``scripts/vendor-axe-core``) through an init script, which
the page's Content-Security-Policy does not apply to: the app serves nothing of it and its
CSP stays as in production. Each HTML page of the app is checked when it has loaded, and
each page still open is checked once more when the test ends (``Audit.finish``); a test
checks a state it made itself (a banner, an open form) with ``check(page)``.

A check at load must not race the test: a click that leaves the page while axe is halfway
would lose it. axe yields to the event loop between rules with ``setTimeout(…, 0)``; for
the length of a check those become microtasks, so the whole check runs before the browser
handles any other input, navigation or timer.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest

AXE_DIR = Path(__file__).resolve().parent / "vendor" / "axe-core"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
REPORT_BINDING = "__axeReport"
HTML_SNIPPET_CHARS = 300

RUNNER = """
(() => {
  const TAGS = %(tags)s;
  const REPORT = %(report)s;
  const HTML_CHARS = %(html_chars)d;
  const realSetTimeout = window.setTimeout;

  function atOnce(callback, delay, ...args) {
    if (!delay && typeof callback === 'function') {
      queueMicrotask(() => callback(...args));
      return 0;
    }
    return realSetTimeout.call(window, callback, delay, ...args);
  }

  function summary(rule) {
    return {
      id: rule.id, impact: rule.impact, help: rule.help, helpUrl: rule.helpUrl,
      nodes: rule.nodes.map(node => ({
        target: node.target.map(part => Array.isArray(part) ? part.join(' >>> ') : part)
          .join(' '),
        html: (node.html || '').slice(0, HTML_CHARS),
        failure: node.failureSummary || '',
      })),
    };
  }

  function audit() {
    if (!/^https?:$/.test(location.protocol) || document.contentType !== 'text/html') {
      return Promise.resolve(null);
    }
    window.setTimeout = atOnce;
    let running;
    try {
      running = axe.run(document, {runOnly: {type: 'tag', values: TAGS},
                                   resultTypes: ['violations'], iframes: false});
    } catch (error) {
      window.setTimeout = realSetTimeout;
      return Promise.reject(error);
    }
    return running.finally(() => { window.setTimeout = realSetTimeout; })
      .then(results => results.violations.map(summary));
  }

  function report(found) {
    return {url: location.href, lang: document.documentElement.lang, width: window.innerWidth,
            ...found};
  }

  function auditNow() {
    return audit().then(violations => violations && report({violations}));
  }

  Object.defineProperty(window, '__axeAudit', {value: auditNow});
  window.addEventListener('load', () => {
    auditNow().then(
      found => found && window[REPORT](found),
      error => window[REPORT](report({error: String(error)})));
  });
})();
"""


@cache
def init_script() -> str:
    """axe-core followed by the runner that checks each page at load."""
    runner = RUNNER % {"tags": json.dumps(WCAG_21_AA), "report": json.dumps(REPORT_BINDING),
                       "html_chars": HTML_SNIPPET_CHARS}
    return (AXE_DIR / "axe.min.js").read_text(encoding="utf-8") + "\n" + runner


def version() -> str:
    return (AXE_DIR / "VERSION").read_text(encoding="utf-8").strip()


class Audit:
    """What axe found in the pages of one browser context, each finding once."""

    def __init__(self):
        self.findings: dict[tuple, str] = {}

    def record(self, payload: dict | None, when: str) -> None:
        """Keep the violations one check found (``payload`` as the page reports them)."""
        if not payload:
            return
        where = (f"{_path(payload['url'])} ({when}; language {payload['lang'] or '?'}, "
                 f"{payload['width']}px wide)")
        if payload.get("error"):
            found = {("error", where): f"axe-core could not check {where}: {payload['error']}"}
        else:
            path = _path(payload["url"])
            found = {(rule["id"], path, node["target"]): describe(rule, node, where)
                     for rule in payload["violations"] for node in rule["nodes"]}
        for key, text in found.items():
            self.findings.setdefault(key, text)

    def finish(self, context) -> None:
        """Check each page still open, as the test left it."""
        for page in context.pages:
            if not page.is_closed():
                page.wait_for_load_state()
                self.record(_audit(page), "when the test ended")

    def assert_clean(self) -> None:
        """Fail the test with every finding: the rule, the page, the element, the fix."""
        if self.findings:
            pytest.fail(self.report(), pytrace=False)

    def report(self) -> str:
        """Every finding, for the test's failure message ('' when there is none)."""
        if not self.findings:
            return ""
        return (f"{version()} found {len(self.findings)} WCAG 2.1 A/AA violation(s):\n\n"
                + "\n\n".join(self.findings.values()))


def watch(context) -> Audit:
    """Check every page this context opens at load; the findings collect in the Audit."""
    audit = Audit()
    context.expose_binding(REPORT_BINDING,
                           lambda source, payload: audit.record(payload, "at load"))
    context.add_init_script(init_script())
    return audit


def check(page) -> None:
    """Check the page as it is now; fail at once on a violation."""
    audit = Audit()
    audit.record(_audit(page), "checked by the test")
    audit.assert_clean()


def describe(rule: dict, node: dict, where: str) -> str:
    """One violation: the rule, its help, the element and what is wrong with it."""
    failure = "\n".join(f"      {line.strip()}" for line in node["failure"].splitlines()
                        if line.strip())
    return (f"  [{rule['id']}] ({rule['impact']}) {rule['help']}\n"
            f"    page:    {where}\n"
            f"    element: {node['target']}\n"
            f"    html:    {node['html']}\n"
            f"{failure}\n"
            f"    see {rule['helpUrl']}")


def _audit(page) -> dict | None:
    """Run axe in the page now; None where there is nothing of the app's to check."""
    return page.evaluate("() => window.__axeAudit ? window.__axeAudit() : null")


def _path(url: str) -> str:
    """The page's path and query, without the test server's address."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
