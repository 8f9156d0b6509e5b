"""Every page module is imported here so its `@rx.page` registers with the app.

The admin dashboard adds its line below (`from dictachat.pages import admin`).
"""

from dictachat.pages import chat  # noqa: F401
from dictachat.pages import admin  # noqa: F401
