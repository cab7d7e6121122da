"""The local AWS stack: moto in server mode provisioned from `template.yaml`, a local API gateway that
routes the template's API events to the real handlers, an SQS poller that plays Lambda's event source
mapping, a no-Docker `invoke`, and the `make run` runner (`python -m aha_jira_dev.local_stack`)."""
