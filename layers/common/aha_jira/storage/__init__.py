"""Storage adapters: DynamoDB repositories and the Secrets Manager secret store."""
