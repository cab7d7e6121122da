"""`python -m aha_jira_dev.local_stack` (what `make run` starts)."""

import sys

from aha_jira_dev.local_stack.runner import main

sys.exit(main())
