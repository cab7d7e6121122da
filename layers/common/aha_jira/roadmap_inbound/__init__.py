"""Sends from the roadmap (issue 14, DESIGN.md "The roadmap side: closing the loop", "From the roadmap"):
a send with no body on an Aha! integration reads the feature from Aha! (`send_from_roadmap.py`, `fetch.py`);
Aha!'s webhooks (`receive.py`) queue a send of a linked feature that changed in Aha!, which the retry worker
runs (`resend.py`); our own writes to Aha! coming back are recognised and send nothing (`echo.py`)."""
