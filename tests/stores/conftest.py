"""Store tests borrow the console bridge's linked customer and resource builders."""

from tests.console_bridge.conftest import make_linked, make_resource  # noqa: F401 - fixtures
