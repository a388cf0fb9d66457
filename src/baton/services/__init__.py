"""Application services: the one place each change happens, shared by the
API, the web pages, the CLI and the demo."""
