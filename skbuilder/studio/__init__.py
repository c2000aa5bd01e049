"""The spec studio (``skbuilder serve``): a local web page where a spec is written and its
network seen as it is typed.

The page sends the editor's text; the server answers with the same problems as ``skbuilder
validate --format json``, the analytic summary and the diagram from ``skbuilder.render``. It
reads no file the page names: only the shipped specs and the spec given on the command line.
Starlette and uvicorn come with the ``studio`` extra (``pip install 'skbuilder[studio]'``).
"""
