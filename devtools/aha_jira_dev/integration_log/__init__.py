"""The integration log as the local stack reads it back: the Logs Insights evaluator (`insights.py`) and the
reader of the local stack's captured log file (`file_reader.py`). The layer reads CloudWatch; this package
registers the `file` reader under the `aha_jira.integration_log_readers` entry point (pyproject.toml), which
`aha_jira.wiring` loads when `INTEGRATION_LOG_SOURCE=file`: the layer never imports development code."""
