"""aha_jira: the shared package of the aha-jira Lambda functions.

Every function's handler adapts its event and calls into this package; all logic lives here.
"""
