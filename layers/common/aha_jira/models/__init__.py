"""Domain and boundary models: API bodies and answers, stored items."""
