"""Management commands of django-ding."""
