def describe(event):
    return sorted(event)
