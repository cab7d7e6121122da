"""HTTP adaptation shared by the API functions: the resolver, errors as JSON, body limits, URLs."""
