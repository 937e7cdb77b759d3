"""The browser: launching Chromium, the one navigation choke point, recording steps."""
