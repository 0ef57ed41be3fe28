"""Writes of dynamic monitoring. Callers import this package:

from minzheng.monitoring import services as monitoring_services
monitoring_services.screening_run(as_of=date.today(), trigger="manual", by=user)
monitoring_services.alert_convert(alert=alert, case_id=case.pk, by=user)   # the cases app
"""

from minzheng.monitoring.services.alerts import (
    TRANSITIONS,
    AlertStateError,
    alert_close,
    alert_convert,
    alert_dismiss,
    alert_start_verification,
    alerts_rehome,
    deadline_for,
    station_for,
)
from minzheng.monitoring.services.reports import report_create
from minzheng.monitoring.services.screening import (
    ScreeningError,
    run_in_progress,
    screening_run,
    screening_run_request,
    screening_run_task,
)

__all__ = [
    "TRANSITIONS",
    "AlertStateError",
    "ScreeningError",
    "alert_close",
    "alert_convert",
    "alert_dismiss",
    "alert_start_verification",
    "alerts_rehome",
    "deadline_for",
    "report_create",
    "run_in_progress",
    "screening_run",
    "screening_run_request",
    "screening_run_task",
    "station_for",
]
