"""A background task the tests enqueue (tasks must live in an importable module)."""

from django.tasks import task


@task
def add(a: int, b: int) -> int:
    return a + b
