"""The Aha! client: transport (HTTP, API key, timeouts, SSRF guard, errors), typed REST calls, and models of
Aha!'s answers. Imports no other adapter."""
