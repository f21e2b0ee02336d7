"""The WSGI entry point: gunicorn serves `wsgi:app`."""
from storefront import create_app

app = create_app()
