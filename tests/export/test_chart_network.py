"""Chart images are drawn offline: Chromium gets no chance to call Google.

Run under ``strace``, the PNG export used to make DNS queries and connections for
Chromium's background services (sign-in, component updates, safe browsing).
The export is traced here and every packet that could leave the machine is
looked for: a TCP ``connect`` or any datagram sent to an address that is not
loopback. A UDP ``connect`` alone sends nothing (Chromium uses one to ask the
kernel for a route, its IPv6 probe), so it is allowed.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from choreographer.channels import Pipe

from survey.export.offline_chromium import OFFLINE_FLAGS, OfflineChromium

_EXPORT = """\
import sys
import pandas as pd
from survey.export.charts import write_chart
from survey.export.disclosure import DisclosurePolicy
from survey.export.tables import build_layouts
from survey.ranking.bands import band_table
table = band_table(pd.DataFrame({"a": [1, 2, 3], "b": [2, 3, 1], "c": [3, 1, 2]}, dtype="Int64"))
write_chart(build_layouts(table, DisclosurePolicy()), sys.argv[1], "png")
"""

_CALL = re.compile(r"^(?:\[pid\s+)?\d+\]?\s+(connect|sendto|sendmsg|sendmmsg|write)"
                   r"\((\d+)(<.*?\]>|<[^>]*>)?")
_ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6?, "([^"]+)"')
# strace -yy shows a connected socket as <UDP:[local:port->remote:port]> (IPv6 in brackets).
_PEER = re.compile(r"<(TCP|UDP)(?:v6)?:\[.*->\[?([0-9a-fA-F.:]+?)\]?:\d+\]>")


def _leaves_the_machine(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_loopback or ip.is_unspecified)


def outbound(trace: str) -> list[str]:
    """The traced calls that put a packet on the way to a non-loopback address."""
    found = []
    for line in trace.splitlines():
        call = _CALL.match(line)
        if call is None:
            continue
        name, fd_info = call.group(1), call.group(3) or ""
        addresses = [a or b for a, b in _ADDRESS.findall(line)]
        if name != "connect" and (peer := _PEER.match(fd_info)):
            addresses.append(peer.group(2))
        if name == "connect" and fd_info.startswith("<UDP"):
            continue  # a datagram socket's connect only picks a route; no packet is sent
        if any(_leaves_the_machine(a) for a in addresses):
            found.append(line)
    return found


def test_outbound_finds_what_leaves_and_ignores_loopback() -> None:
    trace = "\n".join([
        '12 connect(5<TCP:[1]>, {sa_family=AF_INET, sin_port=htons(443), '
        'sin_addr=inet_addr("142.250.1.1")}, 16) = -1 EINPROGRESS',
        '12 connect(6<TCP:[2]>, {sa_family=AF_INET, sin_port=htons(80), '
        'sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
        '[pid 13] connect(7<UDPv6:[3]>, {sa_family=AF_INET6, sin6_port=htons(443), '
        'inet_pton(AF_INET6, "2001:4860:4860::8888", &sin6_addr)}, 28) = 0',
        '13 sendto(8<UDP:[192.0.2.2:6040->10.255.255.53:53]>, "x", 1, 0, NULL, 0) = 1',
        '13 sendmmsg(9<UDP:[3]>, [{msg_hdr={msg_name={sa_family=AF_INET, '
        'sin_addr=inet_addr("10.0.0.2")}}}], 2, 0) = 2',
        '13 sendto(10<UDPv6:[[::1]:5->[::1]:53]>, "x", 1, 0, NULL, 0) = 1',
        '13 connect(11<UNIX:[4]>, {sa_family=AF_UNIX, sun_path="/run/x"}, 110) = 0',
    ])
    found = outbound(trace)
    assert [line.split("(")[1][:2] for line in found] == ["5<", "8<", "9<"]


def test_chromium_command_line_turns_background_networking_off() -> None:
    for flag in ("--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps",
                 "--host-resolver-rules=MAP * ~NOTFOUND"):
        assert flag in OFFLINE_FLAGS
    # The command line kaleido will run (any executable file stands in for the browser).
    browser = OfflineChromium(Pipe(), path=sys.executable)
    browser.pre_open()
    try:
        cli = browser.get_cli()
    finally:
        browser.clean()
    assert set(OFFLINE_FLAGS) <= set(cli)
    assert "--remote-debugging-pipe" in cli  # still choreographer's own command line


@pytest.mark.browser
def test_png_export_opens_no_outbound_connection(tmp_path: Path) -> None:
    chromium = os.environ.get("BROWSER_PATH") or shutil.which("chromium")
    strace = shutil.which("strace")
    if not chromium or not strace:
        missing = "chromium" if not chromium else "strace"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {missing} is not installed (apt-get install {missing})")
        pytest.skip(f"{missing} is not installed (apt-get install {missing})")
    log, chart = tmp_path / "trace.txt", tmp_path / "chart.png"
    done = subprocess.run(
        [strace, "-f", "-yy", "-s", "1", "-e", "trace=connect,sendto,sendmsg,sendmmsg,write",
         "-e", "signal=none", "-o", str(log), sys.executable, "-c", _EXPORT, str(chart)],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    trace = log.read_text(encoding="utf-8", errors="replace")
    assert "connect(" in trace  # the trace did see the browser's sockets
    assert outbound(trace) == []
