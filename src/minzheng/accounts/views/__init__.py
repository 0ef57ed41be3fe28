"""Accounts pages: signing in (``auth``) and the administration pages (``admin``, ``tokens``)."""
