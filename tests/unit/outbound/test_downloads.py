"""Downloads are guarded before any connection: addresses inside the network and other schemes are refused,
and what is refused names the host only (download URLs carry tokens)."""

from __future__ import annotations

import pytest

from aha_jira.outbound.downloads import DownloadFailed, open_download


@pytest.mark.parametrize(
    ("url", "loopback", "words"),
    [
        ("http://169.254.169.254/latest/meta-data/token/SECRET", True, "private or reserved"),
        ("https://10.1.2.3/files/token/SECRET.png", False, "private or reserved"),
        ("http://127.0.0.1:1/token/SECRET", False, "does not use https"),
        ("ftp://files.example/token/SECRET", True, "does not use https"),
        ("https://no-such-host.invalid/token/SECRET", False, "could not be resolved"),
    ],
)
def test_refused_downloads(url: str, loopback: bool, words: str) -> None:
    with pytest.raises(DownloadFailed) as refused:
        open_download(url, allow_loopback=loopback, max_bytes=10)
    assert words in refused.value.message
    assert "SECRET" not in refused.value.message
