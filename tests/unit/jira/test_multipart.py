"""A multipart body streamed from chunks: exact bytes, a known length when the size is, checked against it."""

from __future__ import annotations

from email.parser import BytesParser
from email.policy import HTTP

import pytest

from aha_jira.jira.multipart import MultipartFile


def test_the_body_is_one_file_part_with_its_length_known() -> None:
    body = MultipartFile(
        iter([b"ab", b"", b"cd"]), file_name='my "spec"\n.pdf', content_type="application/pdf", size=4
    )
    raw = b"".join(body)
    assert len(raw) == len(body)
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {body.content_type}\r\n\r\n".encode() + raw)
    (part,) = list(message.iter_parts())
    assert part.get_content_type() == "application/pdf"
    assert part.get_param("name", header="content-disposition") == "file"
    assert part.get_filename() == "my %22spec%22 .pdf"
    assert part.get_payload(decode=True) == b"abcd"
    assert body.sent == 4


def test_an_unknown_size_makes_the_length_unknown() -> None:
    body = MultipartFile(iter([b"x" * 10]), file_name="a.bin", content_type="", size=None)
    assert len(body) == 0  # requests then sends it chunked
    assert b"application/octet-stream" in b"".join(body)


@pytest.mark.parametrize("chunks", [[b"abc"], [b"abcde"]])
def test_a_stream_that_is_not_its_announced_size_stops_the_body(chunks: list[bytes]) -> None:
    with pytest.raises(ValueError, match="announced size"):
        b"".join(MultipartFile(iter(chunks), file_name="a", content_type="text/plain", size=4))
