"""The floor: a Flask hello-world served by gunicorn with the shop's own settings.

bench/run serves it as `hello:app` with `-c gunicorn.conf.py`, so every page of the
shop can be compared with what Flask + gunicorn do on this machine with no work at all.
"""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
