pytest_plugins = ["tests.plugins.servers", "tests.plugins.auth", "tests.plugins.services"]
