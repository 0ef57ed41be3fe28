"""Signals the division tree sends so other apps can follow a change without divisions importing them.

``division_rehomed(sender=DivisionChange, old=Division, new=Division, change=DivisionChange)``
is sent once for every unit a change retires with a successor, inside the change's transaction
and after the tree has been updated. Receivers move their *current* records from ``old`` to
``new`` (org units, role-assignment scopes, open cases …); historical records keep the code they
were made with. A receiver that raises rolls the whole change back.
"""

from __future__ import annotations

from django.dispatch import Signal

division_rehomed = Signal()
