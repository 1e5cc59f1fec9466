"""Record what real test suites feed the project's functions and get back.

Runs inside a third-party package's test environment, so everything here imports only the
standard library and imports its own modules relatively: ``tracer.install`` copies the package
into a venv under a private name, with a ``.pth`` file that starts it in every Python process
when ``SFTMINE_TRACE_OUT`` is set.
"""
