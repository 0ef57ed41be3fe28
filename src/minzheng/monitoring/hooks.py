"""Hooks for apps downstream of monitoring (monitoring never imports them).

The cases app puts its "转为案件" button on the alert page by registering a template from its
``AppConfig.ready``::

    from minzheng.monitoring import hooks
    hooks.register_alert_action("cases/_alert_convert.html")

The template is included inside the alert page's action bar with ``alert`` and ``request`` in
its context, only while the alert is open and the user holds ``alert.handle`` over it; its form
posts to the cases app's own view, which calls ``monitoring.services.alert_convert``.
"""

from __future__ import annotations

ALERT_ACTION_TEMPLATES: list[str] = []


def register_alert_action(template: str) -> None:
    """Add ``template`` to the alert page's action bar (once)."""
    if template not in ALERT_ACTION_TEMPLATES:
        ALERT_ACTION_TEMPLATES.append(template)


def alert_action_templates() -> list[str]:
    return list(ALERT_ACTION_TEMPLATES)
