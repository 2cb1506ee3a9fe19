"""The headless Chromium that kaleido draws PNG and SVG charts in, with its network calls off.

kaleido starts Chromium through choreographer, whose command line already turns
off some of Chromium's calls home (``--disable-component-update``,
``--disable-sync``, ``--no-first-run``) but not background networking, default
apps, safe-browsing updates or the DNS lookups they make: run under
``strace -f -e trace=connect``, an export connected to the machine's resolver
and to Google hosts. :class:`OfflineChromium` adds :data:`OFFLINE_FLAGS` to the
command line (choreographer's documented ``browser_cls`` hook, passed through
``kaleido.Kaleido``), including a host-resolver rule that resolves no name at
all: a chart page loads only local files, so it needs none.
"""

from __future__ import annotations

from collections.abc import Sequence

from choreographer.browsers import Chromium

__all__ = ["OFFLINE_FLAGS", "OfflineChromium"]

#: Chromium switches that stop every call home a chart export does not need.
OFFLINE_FLAGS: tuple[str, ...] = (
    "--disable-background-networking",      # variations, update and promo fetches
    "--disable-component-update",           # component updater (Widevine, CRLSets...)
    "--disable-sync",                       # Google account sync
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-client-side-phishing-detection",
    "--disable-domain-reliability",         # reliability beacons
    "--disable-breakpad",                   # crash uploads
    "--no-pings",                           # hyperlink auditing pings
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",             # metrics kept local, never uploaded
    "--safebrowsing-disable-auto-update",
    "--disable-features=OptimizationHints,MediaRouter,DialMediaRouteProvider,Translate,"
    "AutofillServerCommunication,CertificateTransparencyComponentUpdater,"
    "NetworkTimeServiceQuerying,DnsOverHttps,AsyncDns",
    "--dns-prefetch-disable",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing to connect to
)


class OfflineChromium(Chromium):
    """choreographer's Chromium with :data:`OFFLINE_FLAGS` on its command line."""

    def get_cli(self) -> Sequence[str]:
        """The command line choreographer builds, plus :data:`OFFLINE_FLAGS`."""
        return [*super().get_cli(), *OFFLINE_FLAGS]
